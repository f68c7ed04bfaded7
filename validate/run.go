package validate

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// RunStore is what one validation run reads and records.
type RunStore interface {
	Store
	AlertStore
}

// Run is one validation run as `marketd validate` and the daemon's
// validate job both do it: check the store (the dead-man check included,
// through Config.Jobs), repair within the budget and check again, record
// the alert state, and mail the report when the policy says so.
type Run struct {
	Config    Config
	Store     RunStore
	Calendars Calendars
	Repairer  Repairer // nil: no self-repair
	Sender    Sender   // nil: no email
	Policy    Policy
	Log       *slog.Logger // slog.Default() when nil
	Now       time.Time
}

// Do runs it. The report is returned with an error too when the checks ran
// but recording or mailing failed, so the caller can still print it.
func (r Run) Do(ctx context.Context) (*Report, error) {
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	report, err := New(r.Config, r.Store, r.Calendars, r.Repairer, r.Now).Run(ctx)
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	if err := Track(ctx, r.Store, report); err != nil {
		return report, fmt.Errorf("validate: recording alert state: %w", err)
	}
	if r.Sender == nil {
		return report, nil
	}
	if !r.Policy.ShouldSend(report) {
		log.Info("validate: nothing new to mail", "repeat", r.Policy.Repeat)
		return report, nil
	}
	if err := Send(ctx, r.Store, r.Sender, report); err != nil {
		return report, err
	}
	log.Info("validate: report mailed", "subject", report.Subject())
	return report, nil
}
