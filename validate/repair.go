package validate

import (
	"context"
	"errors"
)

// repair backfills repairable problems, most urgent first, until the
// requests they spent reach the budget. It returns the problems it
// repaired without error and the ones that failed, with why.
func (v *Validator) repair(ctx context.Context, problems []Problem) (tried []Problem, failures []RepairFailure) {
	budget := v.cfg.RepairBudget
	for _, p := range problems {
		// The Repairer backfills daily bars; minute bars are refetched by
		// the archive (the problem's repair command).
		if !p.Repairable || p.Intraday() || budget <= 0 {
			continue
		}
		spent, err := v.repairer.Repair(ctx, p.Key, p.Market, p.From, p.To)
		budget -= max(spent, 1)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				break
			}
			failures = append(failures, RepairFailure{Problem: p, Reason: err.Error()})
			continue
		}
		tried = append(tried, p)
	}
	return tried, failures
}
