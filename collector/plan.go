package collector

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// item is one instrument's work in a run.
type item struct {
	inst   market.Instrument
	cal    Calendar
	wm     market.Date // stored watermark, 0 if none
	ranges []Range     // what to fetch, ascending
	// finalBefore marks stored bars older than the restatement window final.
	finalBefore market.Date
	// detect: look for rewritten history (collect only: it needs a
	// watermark to compare against).
	detect bool
	// batch: due for exactly the latest session; a BatchSource may answer it.
	batch bool
	// err fails the item without a request (no calendar, unknown source).
	err error
	// skip says why nothing is due (recorded as skipped).
	skip string
	// learnListing: store the first bar fetched as the listing date.
	learnListing bool
	// hold, when set, keeps the item's last write back instead of
	// committing it: a unit's completion goes in the same transaction.
	hold *heldWrite
	// minutes, when set, makes the item an intraday fetch (intraday.go):
	// ranges then name the sessions it covers.
	minutes *minuteWork
}

// skipUpToDate is why an instrument whose watermark reaches its market's
// last closed session is skipped.
const skipUpToDate = "up to date"

// requests is how many requests the item is planned to cost: one per
// range (Yahoo's chart and Naver's siseJson answer any span in one).
func (it item) requests() int { return len(it.ranges) }

// planner holds what planning reads once per run.
type planner struct {
	c    *Collector
	now  time.Time
	cals map[string]Calendar
	errs map[string]error
	wms  map[string]map[market.Key]market.Date
}

func (c *Collector) newPlanner() *planner {
	return &planner{c: c, now: c.deps.Now(), cals: map[string]Calendar{}, errs: map[string]error{},
		wms: map[string]map[market.Key]market.Date{}}
}

// instruments returns the active instruments f selects, ordered by source
// and symbol so runs are reproducible.
func (p *planner) instruments(ctx context.Context, f Filter) ([]market.Instrument, error) {
	insts, err := p.c.deps.Store.Instruments(ctx, store.InstrumentFilter{
		Source: f.Source, Market: f.Market, Board: f.Board, Symbols: f.Symbols, ActiveOnly: true, IntradayOnly: f.Intraday})
	if err != nil {
		return nil, fmt.Errorf("collector: list instruments: %w", err)
	}
	if len(f.Symbols) > 0 && len(insts) == 0 {
		return nil, fmt.Errorf("collector: none of the symbols %v is an active instrument", f.Symbols)
	}
	sort.Slice(insts, func(i, j int) bool {
		if insts[i].Source != insts[j].Source {
			return insts[i].Source < insts[j].Source
		}
		return insts[i].Symbol < insts[j].Symbol
	})
	return insts, nil
}

func (p *planner) calendar(ctx context.Context, code string) (Calendar, error) {
	if cal, ok := p.cals[code]; ok {
		return cal, p.errs[code]
	}
	cal, err := calendarOf(ctx, p.c.deps.Calendars, code)
	if err != nil {
		err = fmt.Errorf("calendar of market %q: %w", code, err)
	}
	p.cals[code], p.errs[code] = cal, err
	return cal, err
}

func (p *planner) watermark(ctx context.Context, k market.Key) (market.Date, error) {
	wms, ok := p.wms[k.Source]
	if !ok {
		var err error
		if wms, err = p.c.deps.Store.Watermarks(ctx, k.Source); err != nil {
			return 0, fmt.Errorf("collector: read watermarks of %s: %w", k.Source, err)
		}
		p.wms[k.Source] = wms
	}
	return wms[k], nil
}

// base fills what every job needs: calendar, watermark and the last
// closed session (capped at the delisting date).
func (p *planner) base(ctx context.Context, inst market.Instrument) (item, market.Date, error) {
	it := item{inst: inst}
	if _, ok := p.c.deps.Sources[inst.Source]; !ok {
		it.err = fmt.Errorf("source %q is not configured", inst.Source)
		return it, 0, nil
	}
	wm, err := p.watermark(ctx, inst.Key)
	if err != nil {
		return it, 0, err
	}
	it.wm = wm
	if it.cal, it.err = p.calendar(ctx, inst.Market); it.err != nil {
		return it, 0, nil
	}
	to := it.cal.LastClosed(p.now)
	if inst.Delisted != 0 && inst.Delisted < to {
		to = inst.Delisted
	}
	if to == 0 {
		it.err = fmt.Errorf("calendar of %s has no closed session before %s", inst.Market, p.now.Format(time.RFC3339))
	}
	it.finalBefore = sessionsBack(it.cal, to, p.c.cfg.RestatementSessions)
	return it, to, nil
}

// collectItem plans an incremental update: from the start of the
// restatement window (or the initial history for a new instrument) to the
// last closed session.
func (p *planner) collectItem(ctx context.Context, inst market.Instrument) (item, error) {
	it, to, err := p.base(ctx, inst)
	if err != nil || it.err != nil {
		return it, err
	}
	to = dueThrough(it.cal, inst.Market, to, p.now)
	var from market.Date
	switch {
	case it.wm >= to:
		it.skip = skipUpToDate
		return it, nil
	case it.wm == 0:
		from = max(p.c.cfg.InitialHistory(to), inst.Listed)
		if from > to {
			it.skip = fmt.Sprintf("listed %s, after the last closed session %s", inst.Listed, to)
			return it, nil
		}
	default:
		from = sessionsBack(it.cal, it.wm, p.c.cfg.RestatementSessions)
		it.detect = true
		// One new session whose bar has settled: the batch feed has it.
		it.batch = it.cal.Prev(to) == it.wm
	}
	it.ranges = []Range{{from, to}}
	return it, nil
}

// sessionsBack returns the earliest of the n sessions ending at d
// (d itself counts when it is a session).
func sessionsBack(cal Calendar, d market.Date, n int) market.Date {
	start := d
	for i := 1; i < n; i++ {
		p := cal.Prev(start)
		if p == 0 {
			break
		}
		start = p
	}
	return start
}

// dueThrough is the last session collect brings an instrument to, given
// its market's last closed session: that one once its bar has settled,
// else the one before. A bar that still moves after the close (KRX
// after-hours, until 20:00) is fetched once it stops moving, so that an
// hourly job stores it final the same day rather than provisional until
// the next day's restatement window. A market the registry lacks has no
// settle time: its closed sessions are due.
func dueThrough(cal Calendar, code string, closed market.Date, now time.Time) market.Date {
	m, err := market.LookupMarket(code)
	if err != nil || closed == 0 || m.Settled(closed, now) {
		return closed
	}
	return cal.Prev(closed)
}
