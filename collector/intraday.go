package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// MinuteSource fetches one instrument's intraday bars (sources/yahoo,
// sources/naver).
type MinuteSource interface {
	// Minutes returns inst's bars starting in [req.From, req.To), as many
	// requests as the site needs, the minute in progress left out.
	Minutes(ctx context.Context, inst market.Instrument, req market.MinuteRequest) ([]market.MinuteBar, error)
	// MinuteReach is how far back the site serves bars of iv; 0 when it
	// serves none.
	MinuteReach(iv market.Interval) time.Duration
}

// MinuteStore is the part of the store intraday work uses.
type MinuteStore interface {
	WriteMinutes(ctx context.Context, batch []store.MinuteWrite) (store.WriteResult, error)
	// LatestMinutes is the minute watermark: the last stored start of each
	// key's series of iv.
	LatestMinutes(ctx context.Context, iv market.Interval, keys []market.Key) (map[market.Key]time.Time, error)
	// MinuteCounts is how many bars of iv key has stored on each date
	// (in loc) from from to to: a backfill resumes at the first session
	// with none.
	MinuteCounts(ctx context.Context, key market.Key, iv market.Interval, loc *time.Location, from, to market.Date) (map[market.Date]int, error)
}

// SessionHours is a calendar that knows when each session opens and
// closes (calendar.Calendar): intraday work asks for the bars between.
type SessionHours interface {
	Hours(d market.Date) (open, close time.Time, ok bool)
}

// ArchiveRequest selects what ArchiveMinutes archives.
type ArchiveRequest struct {
	// Filter narrows the instruments; only those with an intraday
	// interval set are archived, each at its own interval.
	Filter
	Job string // JobIntraday when empty
	// Run, when set, is a run record the caller (the scheduler) starts and
	// finishes itself, as in CollectRequest.
	Run      *store.Run
	Progress Progress
	Resume   string
	// Restate is how many of the latest closed sessions are fetched again
	// even when stored: minutes a live poll stored during the session
	// (close and volume alone) get their open, high and low from the
	// archive after the close. 0: only sessions after the watermark.
	Restate int
}

// ArchiveMinutes fetches, for each active instrument with an intraday
// interval, the sessions its market has closed after its minute watermark
// (the last stored minute), as far back as its source serves them, and
// stores them session by session in ascending order, so that an
// interrupted run leaves a watermark that is true and the next run
// resumes from it. An instrument new to intraday starts as far back as the
// source serves. Sessions the source no longer serves are named once in
// the instrument's result, by the run that finds them out of reach: the
// minutes it stores move the watermark past them.
//
// As Collect, it returns the summary of the run (ExitCode 1 when an
// instrument failed) and an error only for a run that could not be done
// or recorded (wrapping ErrInterrupted when ctx ended it).
func (c *Collector) ArchiveMinutes(ctx context.Context, req ArchiveRequest) (Summary, error) {
	if req.Job == "" {
		req.Job = JobIntraday
	}
	p := c.newPlanner()
	req.Filter.Intraday = true
	insts, err := p.instruments(ctx, req.Filter)
	if err != nil {
		return Summary{}, err
	}
	marks, err := p.minuteWatermarks(ctx, insts, func(in market.Instrument) market.Interval { return in.Intraday })
	if err != nil {
		return Summary{}, err
	}
	items := make([]item, 0, len(insts))
	for _, inst := range insts {
		it, last := p.minuteBase(ctx, inst, inst.Intraday, false)
		if it.err == nil {
			p.archiveSpan(&it, last, marks[inst.Intraday][inst.Key], req.Restate)
		}
		items = append(items, it)
	}
	defer c.shareWriter(ctx, items)()
	return c.run(ctx, items, req.Job, req.Run, req.Progress, req.Resume, false)
}

// minuteWatermarks reads the minute watermarks of insts, each at the
// interval ivOf gives it, one read per interval.
func (p *planner) minuteWatermarks(ctx context.Context, insts []market.Instrument, ivOf func(market.Instrument) market.Interval) (map[market.Interval]map[market.Key]time.Time, error) {
	keys := map[market.Interval][]market.Key{}
	for _, in := range insts {
		if iv := ivOf(in); iv.Intraday() {
			keys[iv] = append(keys[iv], in.Key)
		}
	}
	out := make(map[market.Interval]map[market.Key]time.Time, len(keys))
	for iv, ks := range keys {
		m, err := p.c.deps.Store.LatestMinutes(ctx, iv, ks)
		if err != nil {
			return nil, fmt.Errorf("collector: read the %s minute watermarks: %w", iv, err)
		}
		out[iv] = m
	}
	return out, nil
}

// archiveSpan plans an archive: the sessions after the one holding the
// watermark wm (with the restate latest ones) through last, or, for an
// instrument with no minute stored, every session the source serves.
func (p *planner) archiveSpan(it *item, last market.Date, wm time.Time, restate int) {
	m := it.minutes
	if wm.IsZero() {
		m.span(it, market.DateOf(m.served.In(m.loc)), last, false)
		return
	}
	from := market.DateOf(wm.In(m.loc)).AddDays(1)
	if restate > 0 {
		from = min(from, sessionsBack(it.cal, last, restate))
	}
	if from > last {
		it.skip = skipUpToDate
		return
	}
	m.span(it, from, last, true)
}
