package collector

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// execute runs items with each source's workers and records every outcome
// in l. Items of one source run concurrently; sources run side by side.
func (c *Collector) execute(ctx context.Context, items []item, l *runLog, batch bool) {
	bySource := map[string][]item{}
	var order []string
	for _, it := range items {
		if _, ok := bySource[it.inst.Source]; !ok {
			order = append(order, it.inst.Source)
		}
		bySource[it.inst.Source] = append(bySource[it.inst.Source], it)
	}
	var wg sync.WaitGroup
	for _, name := range order {
		wg.Go(func() { c.runSource(ctx, name, bySource[name], l, batch) })
	}
	wg.Wait()
}

// runSource feeds one source's items to its workers. Once the source's
// host has kept answering 429 past its cool-down, the remaining items fail
// fast as rate-limited instead of hammering it.
func (c *Collector) runSource(ctx context.Context, name string, items []item, l *runLog, batch bool) {
	src := c.deps.Sources[name] // nil when not configured: such items carry an error
	sc := c.cfg.source(name)
	var limited atomic.Bool
	queue := make(chan item)
	var wg sync.WaitGroup
	for range sc.Workers {
		wg.Go(func() {
			for it := range queue {
				if limited.Load() && it.err == nil && it.skip == "" {
					l.add(result{requests: it.requests(), rr: rateLimitedResult(it)})
					continue
				}
				var r result
				if it.minutes != nil {
					r = c.processMinutes(ctx, it)
				} else {
					r = c.process(ctx, src, it)
				}
				if r.rateLimited {
					limited.Store(true)
				}
				l.add(r)
			}
		})
	}
	if bs, ok := src.(BatchSource); ok && batch {
		items = c.runBatches(ctx, bs, items, l)
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		select {
		case queue <- it:
		case <-ctx.Done():
		}
	}
	close(queue)
	wg.Wait()
}

func rateLimitedResult(it item) (rr store.RunResult) {
	rr.Key = it.inst.Key
	if len(it.ranges) > 0 {
		rr.From, rr.To = it.ranges[0].From, it.ranges[len(it.ranges)-1].To
	}
	rr.Status = statusFailed
	rr.Error = fmt.Sprintf("not attempted: %s kept answering HTTP 429 past its cool-down (rate limited); run again later", it.inst.Source)
	return rr
}

// runBatches answers the items due for exactly the latest session from the
// batch feed and returns the rest (including those it did not answer) for
// the per-instrument path.
func (c *Collector) runBatches(ctx context.Context, bs BatchSource, items []item, l *runLog) []item {
	size := max(1, bs.BatchSize())
	var rest, due []item
	for _, it := range items {
		if it.batch && it.err == nil && it.skip == "" {
			due = append(due, it)
		} else {
			rest = append(rest, it)
		}
	}
	for start := 0; start < len(due) && ctx.Err() == nil; start += size {
		chunk := due[start:min(start+size, len(due))]
		insts := make([]market.Instrument, len(chunk))
		for i, it := range chunk {
			insts[i] = it.inst
		}
		got, err := bs.Latest(ctx, insts)
		if err != nil {
			c.deps.Log.Warn("batch feed failed; falling back to per-instrument requests", "instruments", len(chunk), "err", err)
		}
		for _, it := range chunk {
			s, ok := got[it.inst.Key]
			r := it.ranges[0]
			if !ok || len(s.Bars) == 0 || s.Bars[len(s.Bars)-1].Date != r.To {
				rest = append(rest, it)
				continue
			}
			if jump, err := c.jumped(ctx, it, s.Bars[len(s.Bars)-1]); err != nil || jump {
				// Possibly adjusted history: let the per-instrument path compare the overlap.
				rest = append(rest, it)
				continue
			}
			wm := it.wm
			wr, err := c.write(ctx, it, Range{r.To, r.To}, s, &wm)
			res := result{requests: it.requests(), wr: wr,
				rr: store.RunResult{Key: it.inst.Key, From: r.To, To: r.To, Rows: wr.Inserted + wr.Changed + wr.Unchanged, Status: statusOK}}
			if err != nil {
				res.rr.Status, res.rr.Error = statusFailed, err.Error()
			}
			l.add(res)
		}
	}
	return rest
}

// jumped reports whether bar moved from the stored close at the watermark
// by more than the exchange's daily limit: impossible for a real trade, so
// the source has adjusted its history (a split) and the one-bar batch
// answer cannot show the overlap that proves it.
func (c *Collector) jumped(ctx context.Context, it item, bar market.Bar) (bool, error) {
	m, err := market.LookupMarket(it.inst.Market)
	if err != nil || m.LimitOf(it.inst.Symbol) <= 0 || !c.silentSplits(it.inst.Source) {
		return false, nil
	}
	prev, err := c.deps.Store.Bars(ctx, it.inst.Key, it.wm, it.wm)
	if err != nil || len(prev) == 0 || prev[0].Close <= 0 {
		return false, err
	}
	move := math.Abs(bar.Close.Float64()/prev[0].Close.Float64() - 1)
	return move > m.LimitOf(it.inst.Symbol)+0.005, nil
}
