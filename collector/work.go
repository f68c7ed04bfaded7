package collector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// process fetches and stores one item, range by range. It never returns
// an error: the outcome, failures included, is the result.
func (c *Collector) process(ctx context.Context, src Source, it item) result {
	res, planned := startResult(it)
	if !planned {
		return res
	}
	wm := it.wm
	nodata := 0
	learn := it.learnListing
	for _, r := range it.ranges {
		if ctx.Err() != nil {
			res.interrupted = true
			return res
		}
		series, r, reason, err := c.fetch(ctx, src, it, r)
		if err == nil {
			res.refetched = reason
			if learn && len(series.Bars) > 0 {
				// Before the first write: a run killed halfway through the
				// history resumes from what it stored, not from HistoryStart.
				c.learnListing(ctx, it.inst, series.Bars[0].Date)
				learn = false
			}
			var wr store.WriteResult
			wr, err = c.write(ctx, it, r, series, &wm)
			res.wr = res.wr.Add(wr)
			res.rr.Rows += wr.Inserted + wr.Changed + wr.Unchanged
		}
		switch {
		case err == nil && len(series.Bars) == 0, errors.Is(err, market.ErrNoData):
			nodata++
		case err != nil && ctx.Err() != nil:
			res.interrupted = true
			return res
		case err != nil:
			res.fail(err)
			return res
		}
	}
	res.rr.Status = statusOK
	if nodata == len(it.ranges) {
		res.rr.Status = statusNoData
	}
	if res.refetched != "" {
		res.rr.Error = "whole history refetched: " + res.refetched
	}
	return res
}

// startResult begins the item's result; planned is false when the plan
// already decided it (a failure without a request, or a skip).
func startResult(it item) (res result, planned bool) {
	res = result{requests: it.requests(), rr: store.RunResult{Key: it.inst.Key}}
	if len(it.ranges) > 0 {
		res.rr.From, res.rr.To = it.ranges[0].From, it.ranges[len(it.ranges)-1].To
	}
	switch {
	case it.err != nil:
		res.rr.Status, res.rr.Error = statusFailed, it.err.Error()
		return res, false
	case it.skip != "":
		res.rr.Status, res.rr.Error = statusSkipped, it.skip
		return res, false
	}
	return res, true
}

// fail records err as the item's failure, noting what the run does with
// its source: a host that kept answering 429, or one no request reached.
func (res *result) fail(err error) {
	res.rr.Status, res.rr.Error = statusFailed, err.Error()
	res.rateLimited = errors.Is(err, httpx.ErrRateLimited)
	if u := (*httpx.UnreachableError)(nil); errors.As(err, &u) {
		res.unreachable = u.Host
	}
}

// learnListing records first as inst's listing date. Failing to is not
// worth failing the instrument: the next backfill only fetches it again.
func (c *Collector) learnListing(ctx context.Context, inst market.Instrument, first market.Date) {
	inst.Listed = first
	if _, err := c.deps.Store.AddInstruments(context.WithoutCancel(ctx), []market.Instrument{inst}); err != nil {
		c.deps.Log.Warn("cannot record listing date", "instrument", inst.Key, "listed", first, "err", err)
	}
}

// fetch fetches range r. When the item asks for detection and the answer
// shows that the stored history was rewritten (a new split, or restated
// closes in the overlap), it fetches the whole history instead and says why.
func (c *Collector) fetch(ctx context.Context, src Source, it item, r Range) (market.Series, Range, string, error) {
	series, err := src.Fetch(ctx, it.inst, r.From, r.To)
	if err != nil || !it.detect {
		return series, r, "", err
	}
	reason, err := c.stale(ctx, it, r, series)
	if err != nil || reason == "" {
		return series, r, "", err
	}
	c.deps.Log.Info("stored history is stale; refetching it whole", "instrument", it.inst.Key, "reason", reason)
	series = market.Series{} // let the window's bars go before the big fetch
	whole := Range{c.historyStart(it.inst), r.To}
	series, err = src.Fetch(ctx, it.inst, whole.From, whole.To)
	if err != nil {
		return series, whole, reason, fmt.Errorf("refetch whole history %s (%s): %w", whole, reason, err)
	}
	return series, whole, reason, nil
}

func (c *Collector) historyStart(inst market.Instrument) market.Date {
	if inst.Listed != 0 {
		return inst.Listed
	}
	return c.cfg.HistoryStart
}

// stale says why the stored history no longer matches the source, or "".
// The sources serve split-adjusted prices, so a split rewrites every bar
// before it.
func (c *Collector) stale(ctx context.Context, it item, r Range, s market.Series) (string, error) {
	for _, a := range s.Actions {
		if a.Kind != market.Split || a.Date < r.From {
			continue
		}
		stored, err := c.deps.Store.Actions(ctx, it.inst.Key, a.Date, a.Date)
		if err != nil {
			return "", fmt.Errorf("read stored actions of %s: %w", it.inst.Key, err)
		}
		known := false
		for _, sa := range stored {
			known = known || sa.Kind == market.Split
		}
		if !known {
			return fmt.Sprintf("new split %s:%s on %s", a.Numerator, a.Denominator, a.Date), nil
		}
	}
	if !c.silentSplits(it.inst.Source) || it.wm < r.From {
		return "", nil
	}
	stored, err := c.deps.Store.Bars(ctx, it.inst.Key, r.From, it.wm)
	if err != nil {
		return "", fmt.Errorf("read stored bars of %s: %w", it.inst.Key, err)
	}
	closes := make(map[market.Date]market.Decimal, len(stored))
	for _, b := range stored {
		closes[b.Date] = b.Close
	}
	for _, b := range s.Bars {
		if old, ok := closes[b.Date]; ok && !sameClose(old, b.Close) {
			return fmt.Sprintf("stored close %s on %s differs from the source's %s", old, b.Date, b.Close), nil
		}
	}
	return "", nil
}

// sameClose allows for rounding: one part in 10,000 (KRW closes are whole
// won; a split moves prices by far more).
func sameClose(a, b market.Decimal) bool {
	d := int64(a - b)
	if d < 0 {
		d = -d
	}
	ref := int64(b)
	if ref < 0 {
		ref = -ref
	}
	return d*10000 <= ref
}

// write stores s's sane bars within r in transactions of at most WriteBatch
// bars, each moving the watermark (*wm) when r continues the stored
// history, so an interrupted write leaves a watermark that is true. A
// write in flight when ctx ends is finished, not abandoned; the next
// chunk is not started.
func (c *Collector) write(ctx context.Context, it item, r Range, s market.Series, wm *market.Date) (store.WriteResult, error) {
	// Every source's bars come through here: one rule keeps impossible
	// rows out of the store without costing the rest of the answer (the
	// database's CHECK would refuse the whole batch).
	bars, bad := market.DropBadBars(s.Bars)
	for _, n := range bad {
		c.deps.Log.Warn("row skipped", "instrument", it.inst.Key, "date", n.Date, "reason", n.Reason)
	}
	for len(bars) > 0 && bars[0].Date < r.From {
		bars = bars[1:]
	}
	for len(bars) > 0 && bars[len(bars)-1].Date > r.To {
		bars = bars[:len(bars)-1]
	}
	var acts []market.Action
	for _, a := range s.Actions {
		if a.Date >= r.From && a.Date <= r.To {
			acts = append(acts, a)
		}
	}
	// A write held back from the previous range moves the watermark that
	// decides whether this range continues the stored history.
	total, err := c.flushHeld(ctx, it, wm)
	if err != nil {
		return total, err
	}
	move := c.continues(it, r, *wm)
	for first := true; first || len(bars) > 0; first = false {
		if !first && ctx.Err() != nil {
			return total, fmt.Errorf("write %s: %w", it.inst.Key, ctx.Err())
		}
		n := min(len(bars), c.cfg.WriteBatch)
		w := store.Write{Key: it.inst.Key, Bars: bars[:n], FinalBefore: it.finalBefore}
		if first {
			w.Actions = acts
		}
		if move && n > 0 && bars[n-1].Date > *wm {
			w.Watermark = bars[n-1].Date
		}
		if len(w.Bars) == 0 && len(w.Actions) == 0 {
			break
		}
		if it.hold != nil {
			res, err := c.flushHeld(ctx, it, wm)
			total = total.Add(res)
			if err != nil {
				return total, err
			}
			it.hold.w = &w
			bars = bars[n:]
			continue
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		res, err := c.deps.Store.Write(wctx, []store.Write{w})
		cancel()
		if err != nil {
			return total, fmt.Errorf("store %s (%d bars, %d actions from %s): %w", it.inst.Key, n, len(w.Actions), r, err)
		}
		total = total.Add(res)
		if w.Watermark != 0 {
			*wm = w.Watermark
		}
		bars = bars[n:]
	}
	return total, nil
}

// heldWrite is the last write of a unit's last item, held back to be
// committed with the unit's completion (Collector.finishUnit).
type heldWrite struct{ w *store.Write }

// flushHeld commits the write it holds, if any: a later one is now the last.
func (c *Collector) flushHeld(ctx context.Context, it item, wm *market.Date) (store.WriteResult, error) {
	if it.hold == nil || it.hold.w == nil {
		return store.WriteResult{}, nil
	}
	w := *it.hold.w
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	res, err := c.deps.Store.Write(wctx, []store.Write{w})
	cancel()
	if err != nil {
		return res, fmt.Errorf("store %s (%d bars, %d actions): %w", it.inst.Key, len(w.Bars), len(w.Actions), err)
	}
	if w.Watermark != 0 {
		*wm = w.Watermark
	}
	it.hold.w = nil
	return res, nil
}

// continues reports whether r starts no later than the first session after
// the watermark, so storing r leaves no hole below the new watermark.
func (c *Collector) continues(it item, r Range, wm market.Date) bool {
	if wm == 0 || r.From <= wm {
		return true
	}
	return len(it.cal.Sessions(wm.AddDays(1), r.From.AddDays(-1))) == 0
}
