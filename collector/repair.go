package collector

import (
	"context"
	"errors"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

// ErrNothingRepaired says why a repair that ran cleanly left the problem:
// the source has nothing for that range.
var ErrNothingRepaired = errors.New("the source returned nothing for that range")

// Repair refetches from..to for one instrument, or, with an empty symbol,
// for every active instrument of the key's source on market mic, replacing
// what is stored (the range is behind the watermark, so it is forced). It
// returns the requests spent. This is the validator's self-repair
// (validate.Repairer): the collector satisfies it with domain types only,
// so neither package imports the other.
func (c *Collector) Repair(ctx context.Context, key market.Key, mic string, from, to market.Date) (int, error) {
	f := Filter{Source: key.Source}
	if key.Symbol != "" {
		f.Symbols = []string{key.Symbol}
	} else {
		f.Market = mic
	}
	s, _, err := c.Backfill(ctx, BackfillRequest{Filter: f, From: from, To: to, Force: true, Job: JobRepair})
	if err != nil {
		return s.Requests, err
	}
	for _, res := range s.Results {
		if res.Status == statusFailed {
			return s.Requests, fmt.Errorf("%s: %s", res.Key, res.Error)
		}
	}
	if s.Inserted+s.Changed == 0 {
		return s.Requests, ErrNothingRepaired
	}
	return s.Requests, nil
}
