package collector

import (
	"database/sql"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// liveRetryBars bounds the bars of past intervals kept per instrument
// while the database refuses writes: a quarter of an hour of 1m bars; an
// outage longer than that loses the oldest, which the after-close archive
// fetches again.
const liveRetryBars = 15

// liveSeries is what live polling remembers of one instrument: the bar of
// the interval its last quote fell in, and the bars of earlier intervals
// whose writes failed.
type liveSeries struct {
	inst market.Instrument
	// cur is the bar of the latest interval seen; dirty means it changed
	// since it was last written.
	cur   market.MinuteBar
	dirty bool
	// unwritten holds the bars of earlier intervals whose writes failed,
	// oldest first: the next write retries them.
	unwritten []market.MinuteBar
	seen      bool  // a quote of this session was seen since the start
	answered  int   // the round of the last valid quote
	cum       int64 // the session's cumulative volume at the last quote
	// base is the cumulative volume at the end of the interval before
	// cur: the last quote's before cur began, known only when that quote
	// came in the round just before, so that the growth since covers
	// cur's interval alone (an instrument that did not trade for minutes
	// keeps answering its last trade, so its base stays known).
	base    int64
	hasBase bool
}

// liveBars turns successive quotes into intraday bars: the close is the
// last price seen in the interval, the volume the growth of the
// cumulative volume since the end of the previous interval. Open, high and
// low stay missing (one quote a minute cannot see them): the after-close
// archive fills them.
//
// The buffers of the writes are kept from one tick to the next: a tick of
// a whole market must not allocate thousands of slices.
type liveBars struct {
	open, close time.Time // the session's, bars start in [open, close)
	round       int       // the current round, from 1
	series      map[market.Key]*liveSeries
	order       []*liveSeries
	writes      []store.MinuteWrite
	bars        []market.MinuteBar
	// taken lists the series whose bars the writes hold, for done.
	taken []*liveSeries
}

func newLiveBars(open, close time.Time) *liveBars {
	return &liveBars{open: open.UTC(), close: close.UTC(), series: map[market.Key]*liveSeries{}}
}

// track sets the instruments polled: new ones start unseen, the state of
// the others is kept; the dropped ones are forgotten.
func (lb *liveBars) track(insts []market.Instrument) {
	keep := make(map[market.Key]*liveSeries, len(insts))
	lb.order = lb.order[:0]
	for _, inst := range insts {
		if !inst.Intraday.Intraday() {
			continue
		}
		s := lb.series[inst.Key]
		if s == nil || s.inst.Intraday != inst.Intraday {
			s = &liveSeries{inst: inst}
		}
		if _, dup := keep[inst.Key]; dup {
			continue
		}
		keep[inst.Key] = s
		lb.order = append(lb.order, s)
	}
	lb.series = keep
}

// quoteOutcome is what one quote did to its series.
type quoteOutcome uint8

const (
	quoteApplied   quoteOutcome = iota // the bar moved
	quoteUnchanged                     // the same price and volume again
	quoteOutside                       // not a trade of this session (before the open, after the closing print)
	quoteStale                         // older than the bar already held
	quoteInvalid                       // a price that is not positive, a negative volume
)

// next starts a round: the quotes applied until the next call are its.
func (lb *liveBars) next() { lb.round++ }

// apply folds quote q, of the current round, into s and reports what it
// did.
func (lb *liveBars) apply(s *liveSeries, q market.Quote) quoteOutcome {
	if q.Price <= 0 || q.Volume < 0 || q.At.IsZero() {
		return quoteInvalid
	}
	if q.Volume == 0 && s.cur.Start.IsZero() {
		// Nothing traded yet this session (the feed shows the previous
		// close): no bar, but the volume before the first trade is known
		// to be none.
		s.seen, s.answered, s.cum = true, lb.round, 0
		return quoteUnchanged
	}
	at := q.At.UTC()
	switch {
	case at.Before(lb.open) || !at.Before(lb.close.Add(time.Second)):
		// Another session's trade, or after-hours trading.
		return quoteOutside
	case !at.Before(lb.close):
		// The closing auction's print, stamped at the close: the
		// session's last trade, in its last bar.
		at = lb.close.Add(-time.Nanosecond)
	}
	iv := s.inst.Intraday.Duration()
	start := lb.open.Add(at.Sub(lb.open) / iv * iv)
	switch {
	case !s.seen:
		// The first quote since the start: the volume before it is
		// unknown (the session's may include trades before the open,
		// a restart lost the minutes before), so its bar has none.
		s.seen, s.hasBase = true, false
	case start.Equal(s.cur.Start):
		if q.Price == s.cur.Close && q.Volume == s.cum {
			s.answered = lb.round
			return quoteUnchanged
		}
	case start.Before(s.cur.Start):
		return quoteStale
	default:
		if s.dirty {
			// Its write failed: keep it for the next write.
			if len(s.unwritten) == liveRetryBars {
				s.unwritten = append(s.unwritten[:0], s.unwritten[1:]...)
			}
			s.unwritten = append(s.unwritten, s.cur)
		}
		s.base, s.hasBase = s.cum, s.answered == lb.round-1
	}
	s.answered = lb.round
	s.cum = q.Volume
	s.cur = market.MinuteBar{Start: start, Close: q.Price}
	switch {
	case !s.hasBase:
	case q.Volume >= s.base:
		s.cur.Volume = sql.Null[int64]{V: q.Volume - s.base, Valid: true}
	default:
		// The cumulative volume went back: the feed restarted its count
		// or answered a stale replica. No volume rather than a wrong one.
		s.hasBase = false
	}
	s.dirty = true
	return quoteApplied
}

// pending returns the bars to write: every series' changed bars, the
// current ones and those whose last write failed, in the buffers of the
// previous call.
func (lb *liveBars) pending() []store.MinuteWrite {
	lb.writes, lb.taken = lb.writes[:0], lb.taken[:0]
	// Sized before any append so that the bars slices taken below stay
	// valid.
	need := len(lb.order)
	for _, s := range lb.order {
		need += len(s.unwritten)
	}
	if cap(lb.bars) < need {
		lb.bars = make([]market.MinuteBar, 0, need)
	}
	lb.bars = lb.bars[:0]
	for _, s := range lb.order {
		if !s.dirty && len(s.unwritten) == 0 {
			continue
		}
		from := len(lb.bars)
		lb.bars = append(lb.bars, s.unwritten...)
		if s.dirty {
			lb.bars = append(lb.bars, s.cur)
		}
		lb.writes = append(lb.writes, store.MinuteWrite{Key: s.inst.Key, Interval: s.inst.Intraday, Bars: lb.bars[from:len(lb.bars):len(lb.bars)]})
		lb.taken = append(lb.taken, s)
	}
	return lb.writes
}

// written marks the bars of the last pending call as stored.
func (lb *liveBars) written() {
	for _, s := range lb.taken {
		s.dirty, s.unwritten = false, s.unwritten[:0]
	}
}
