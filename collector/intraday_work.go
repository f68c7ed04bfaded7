package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// minuteWork is an item's intraday fetch: bars of iv starting in
// [from, to), the sessions the item's ranges name.
type minuteWork struct {
	src      MinuteSource
	iv       market.Interval
	prePost  bool
	hours    SessionHours
	loc      *time.Location // the exchange's zone, whose dates the sessions are
	served   time.Time      // the oldest session open the source still serves
	from, to time.Time
	// note says what the run leaves out (sessions past the source's
	// reach); it goes with the instrument's result.
	note string
	// writer commits the run's writes (shareWriter sets it).
	writer *minuteWriter
}

// reachMargin keeps planned requests inside the source's reach while the
// run goes on: a session that opens right at the limit at planning time is
// past it a moment later, and the site refuses the whole request then.
const reachMargin = time.Hour

// minuteBase starts an intraday item of inst at interval iv: its source,
// calendar and zone, and how far back the source serves iv. It returns
// the last session of inst's market that has closed (capped at the
// delisting date); a failure is the item's err.
func (p *planner) minuteBase(ctx context.Context, inst market.Instrument, iv market.Interval, prePost bool) (item, market.Date) {
	it := item{inst: inst}
	src, ok := p.c.deps.MinuteSources[inst.Source]
	if !ok {
		it.err = fmt.Errorf("source %q serves no minute bars", inst.Source)
		return it, 0
	}
	reach := src.MinuteReach(iv)
	if reach <= 0 {
		it.err = fmt.Errorf("%s serves no %s bars", inst.Source, iv)
		return it, 0
	}
	if it.cal, it.err = p.calendar(ctx, inst.Market); it.err != nil {
		return it, 0
	}
	hours, ok := it.cal.(SessionHours)
	if !ok {
		it.err = fmt.Errorf("calendar of %s has no session hours", inst.Market)
		return it, 0
	}
	loc := market.ZoneOf(inst.Market)
	last := it.cal.LastClosed(p.now)
	if inst.Delisted != 0 && inst.Delisted < last {
		last = inst.Delisted
	}
	if last == 0 {
		it.err = fmt.Errorf("calendar of %s has no closed session before %s", inst.Market, p.now.Format(time.RFC3339))
		return it, 0
	}
	it.minutes = &minuteWork{src: src, iv: iv, prePost: prePost, hours: hours, loc: loc,
		served: p.now.Add(-reach + reachMargin)}
	return it, last
}

// span plans the sessions from through to: the bars from the first
// session's open (its midnight with pre- and post-market) to the last
// one's close (its next midnight). Sessions that open before the source's
// reach are left out; report names them in the note.
func (m *minuteWork) span(it *item, from, to market.Date, report bool) {
	sessions := it.cal.Sessions(from, to)
	lost := 0
	for ; lost < len(sessions); lost++ {
		if open, _, _ := m.hours.Hours(sessions[lost]); !open.Before(m.served) {
			break
		}
	}
	if report && lost > 0 {
		m.note = fmt.Sprintf("%s past %s's %s reach (%s): not fetched",
			sessionsText(sessions[:lost]), it.inst.Source, m.iv, reachText(m.src.MinuteReach(m.iv)))
	}
	sessions = sessions[lost:]
	if len(sessions) == 0 {
		it.skip = fmt.Sprintf("no session in %s..%s that %s serves %s bars of", from, to, it.inst.Source, m.iv)
		if m.note != "" {
			it.skip = m.note
		}
		return
	}
	first, last := sessions[0], sessions[len(sessions)-1]
	m.from, _, _ = m.hours.Hours(first)
	_, m.to, _ = m.hours.Hours(last)
	if m.prePost {
		m.from, m.to = first.In(m.loc), last.AddDays(1).In(m.loc)
	}
	m.from, m.to = m.from.UTC(), m.to.UTC()
	it.ranges = []Range{{first, last}}
}

// reachText words a source's reach: "30 days", or the duration when it is
// not whole days.
func reachText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return plural(int(d/(24*time.Hour)), "day")
	}
	return d.String()
}

// sessionsText names sessions: "session 2026-10-05" or "12 sessions
// 2026-09-01..2026-09-16".
func sessionsText(ds []market.Date) string {
	if len(ds) == 1 {
		return "session " + ds[0].String()
	}
	return fmt.Sprintf("%d sessions %s..%s", len(ds), ds[0], ds[len(ds)-1])
}

// processMinutes fetches and stores one intraday item. As process, it
// never returns an error: the outcome, failures included, is the result.
func (c *Collector) processMinutes(ctx context.Context, it item) result {
	res, planned := startResult(it)
	if !planned {
		return res
	}
	m := it.minutes
	bars, err := m.src.Minutes(ctx, it.inst, market.MinuteRequest{Interval: m.iv, From: m.from, To: m.to, PrePost: m.prePost})
	note := m.note
	switch {
	case errors.Is(err, market.ErrNoData):
		bars, err = nil, nil
	case errors.Is(err, market.ErrBeyondReach):
		// The sessions left the source's reach while the run went on: gone
		// for good, so said once, as the planned ones past it are.
		bars, err, note = nil, nil, err.Error()
	}
	if err == nil {
		var wr store.WriteResult
		wr, err = c.writeMinutes(ctx, it, c.minutesIn(it, bars))
		res.wr = wr
		res.rr.Rows = wr.Inserted + wr.Changed + wr.Unchanged
	}
	switch {
	case err != nil && ctx.Err() != nil:
		res.interrupted = true
	case err != nil:
		res.fail(err)
	case res.rr.Rows == 0:
		res.rr.Status, res.rr.Error = statusNoData, note
	default:
		res.rr.Status, res.rr.Error = statusOK, note
	}
	return res
}

// minutesIn returns bars within the item's span, in order of start. A
// source that answers outside it (a wider page of its archive) costs
// nothing, and nothing outside the planned sessions is stored.
func (c *Collector) minutesIn(it item, bars []market.MinuteBar) []market.MinuteBar {
	m := it.minutes
	out := slices.DeleteFunc(bars, func(b market.MinuteBar) bool { return b.Start.Before(m.from) || !b.Start.Before(m.to) })
	slices.SortFunc(out, func(a, b market.MinuteBar) int { return a.Start.Compare(b.Start) })
	return out
}

// writeMinutes stores bars, ascending, in writes of whole sessions of at
// least Config.WriteBatch bars (the last one fewer), each committed
// (with other instruments' writes: minuteWriter) before the next is
// sent, so that the minute watermark always ends a stored session. A
// write in flight when ctx ends is finished; the next is not started.
func (c *Collector) writeMinutes(ctx context.Context, it item, bars []market.MinuteBar) (store.WriteResult, error) {
	m := it.minutes
	var total store.WriteResult
	for first := true; len(bars) > 0; first = false {
		if !first && ctx.Err() != nil {
			return total, fmt.Errorf("write %s %s minutes: %w", it.inst.Key, m.iv, ctx.Err())
		}
		n := min(len(bars), c.cfg.WriteBatch)
		day := market.DateOf(bars[n-1].Start.In(m.loc))
		for n < len(bars) && market.DateOf(bars[n].Start.In(m.loc)) == day {
			n++
		}
		res, err := m.writer.write(store.MinuteWrite{Key: it.inst.Key, Interval: m.iv, Bars: bars[:n]})
		if err != nil {
			return total, fmt.Errorf("store %s %s minutes %s..%s: %w", it.inst.Key, m.iv,
				market.DateOf(bars[0].Start.In(m.loc)), day, err)
		}
		total = total.Add(res)
		bars = bars[n:]
	}
	return total, nil
}
