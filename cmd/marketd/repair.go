package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

// repairer lets the validator's self-repair backfill through the
// collector. It lives here, where both are wired, so that collector never
// depends on validate.
type repairer struct{ c *collector.Collector }

// errNothingRepaired says why a repair that ran cleanly left the problem.
var errNothingRepaired = errors.New("the source returned nothing for that range")

func (r repairer) Repair(ctx context.Context, p validate.Problem) (int, error) {
	f := collector.Filter{Source: p.Key.Source}
	if p.Key.Symbol != "" {
		f.Symbols = []string{p.Key.Symbol}
	} else {
		f.Market = p.Market
	}
	// Force: a short gap inside stored history is behind the watermark.
	s, _, err := r.c.Backfill(ctx, collector.BackfillRequest{Filter: f, From: p.From, To: p.To, Force: true, Job: collector.JobRepair})
	if err != nil {
		return s.Requests, err
	}
	for _, res := range s.Results {
		if res.Status == store.RunFailed || res.Status == "failed" {
			return s.Requests, fmt.Errorf("%s: %s", res.Key, res.Error)
		}
	}
	if s.Inserted+s.Changed == 0 {
		return s.Requests, errNothingRepaired
	}
	return s.Requests, nil
}
