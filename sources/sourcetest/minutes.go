package sourcetest

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// minute is one traded interval of the simulated market: a minute, or a
// bucket of minutes once aggregated. A minute without a trade has none.
type minute struct {
	start      time.Time // UTC
	o, h, l, c market.Decimal
	v          int64
}

// hours returns when session d opens and closes: the calendar's hours
// (early closes, KRX's late openings) when it knows them, else the
// market's regular ones.
func (in *instrument) hours(d market.Date) (open, cls time.Time) {
	if c, ok := in.cal.(interface {
		Hours(market.Date) (time.Time, time.Time, bool)
	}); ok {
		if o, cl, ok := c.Hours(d); ok {
			return o.UTC(), cl.UTC()
		}
	}
	return in.at(d, in.open).UTC(), in.at(d, in.mkt.Close).UTC()
}

// barStarts returns the starts of session d's bars of iv: the calendar's
// (calendar.BarStarts: early closes, late openings, midday breaks) when
// it has them, else every step from the market's open to its close.
func (in *instrument) barStarts(d market.Date, iv market.Interval) []time.Time {
	if c, ok := in.cal.(interface {
		BarStarts(market.Date, market.Interval) []time.Time
	}); ok {
		return c.BarStarts(d, iv)
	}
	open, cls := in.hours(d)
	return steps(open, cls, iv.Duration())
}

// steps returns from, from+step, … before to.
func steps(from, to time.Time, step time.Duration) []time.Time {
	var out []time.Time
	for t := from; t.Before(to); t = t.Add(step) {
		out = append(out, t)
	}
	return out
}

// regularMinutes returns the traded minutes of b's regular session,
// derived from its final bar: the first minute opens at b's open, the last
// closes at b's close, one minute reaches b's high and one its low, and
// the volumes add up to b's volume. A halted session has none; an
// illiquid instrument trades in about one minute in four. Everything is
// drawn from the symbol's seed and the date, so any request, on any day,
// sees the same minutes.
func (in *instrument) regularMinutes(b bar, decimals int) []minute {
	if b.halted {
		return nil
	}
	starts := in.barStarts(b.date, market.Interval1m)
	n := len(starts)
	if n == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(in.seed^uint64(b.date)*0x9e3779b97f4a7c15, uint64(b.date)))
	traded := make([]int, 0, n)
	for i := range n {
		if !in.illiquid || rng.IntN(4) == 0 {
			traded = append(traded, i)
		}
	}
	if len(traded) == 0 {
		traded = append(traded, rng.IntN(n))
	}
	k := len(traded)
	// Intermediate prices move on the traded precision's grid; the day's
	// own prices may carry more decimals after a split adjustment.
	step := min(decimals, in.decimals)
	tick := tickOf(step)
	stride := max(int64(b.h-b.l)/int64(tick)/25, 1) // ticks per random step
	walkPos := make([]int64, k+1)                   // a random walk in ticks, pinned below to o and c
	for i := 1; i <= k; i++ {
		walkPos[i] = walkPos[i-1] + rng.Int64N(2*stride+1) - stride
	}
	closes := make([]market.Decimal, k+1)
	closes[0] = b.o
	for i := 1; i <= k; i++ {
		x := b.o + market.Decimal(int64(b.c-b.o)*int64(i)/int64(k)) +
			market.Decimal((walkPos[i]-walkPos[k]*int64(i)/int64(k))*int64(tick))
		closes[i] = min(max(roundTo(x, step, tick), b.l), b.h)
	}
	closes[k] = b.c
	hiAt, loAt := rng.IntN(k), rng.IntN(k)
	out := make([]minute, k)
	var weights, total int64
	ws := make([]int64, k)
	for i := range k {
		d := int64(2*i - k)
		ws[i] = 20 + rng.Int64N(80) + 100*d*d/int64(k*k) // busier at the open and the close
		weights += ws[i]
		o, c := closes[i], closes[i+1]
		h := min(max(o, c)+market.Decimal(rng.Int64N(stride+1)*int64(tick)), b.h)
		l := max(min(o, c)-market.Decimal(rng.Int64N(stride+1)*int64(tick)), b.l)
		if i == hiAt {
			h = b.h
		}
		if i == loAt {
			l = b.l
		}
		out[i] = minute{start: starts[traded[i]], o: o, h: h, l: l, c: c}
	}
	for i := range out {
		out[i].v = b.v * ws[i] / weights
		total += out[i].v
	}
	out[k-1].v += b.v - total
	return out
}

// extendedMinutes returns the pre-market minutes from the kind's pre to
// the open, drifting from b's open, and the post-market minutes from the
// close to the kind's post, drifting from b's close: thin trading, about
// one minute in five, with volumes of their own (not part of b's).
func (in *instrument) extendedMinutes(b bar, decimals int) (pre, post []minute) {
	if !in.kind.prePost || b.halted {
		return nil, nil
	}
	open, cls := in.hours(b.date)
	preStart, postEnd := in.at(b.date, in.kind.pre).UTC(), in.at(b.date, in.kind.post).UTC()
	rng := rand.New(rand.NewPCG(in.seed^uint64(b.date)*0xbf58476d1ce4e5b9, uint64(b.date)+1))
	tick := tickOf(min(decimals, in.decimals))
	gen := func(from, to time.Time, p market.Decimal) []minute {
		var out []minute
		for t := from; t.Before(to); t = t.Add(time.Minute) {
			if rng.IntN(5) != 0 {
				continue
			}
			o := p
			c := max(o+market.Decimal((rng.Int64N(7)-3)*int64(tick)), tick)
			h := max(o, c) + market.Decimal(rng.Int64N(3)*int64(tick))
			l := max(min(o, c)-market.Decimal(rng.Int64N(3)*int64(tick)), tick)
			out = append(out, minute{start: t, o: o, h: h, l: l, c: c, v: 100 + rng.Int64N(4_900)})
			p = c
		}
		return out
	}
	return gen(preStart, open, b.o), gen(cls, postEnd, b.c)
}

// bucket is one bar start of an interval and the minutes it holds.
type bucket struct {
	minute
	traded bool
	end    time.Time // the bar's end: its start plus the interval, or the period's end
}

// aggregate groups minutes (ascending) into the bars starting at starts
// (ascending), each step long, none past end, where a bar the end (or the
// next bar's start) cuts short ends. Bars without a trade are kept with
// traded false.
func aggregate(minutes []minute, starts []time.Time, step time.Duration, end time.Time) []bucket {
	out := make([]bucket, 0, len(starts))
	i := 0
	for k, s := range starts {
		stop := earlierOf(s.Add(step), end)
		if k+1 < len(starts) {
			stop = earlierOf(stop, starts[k+1])
		}
		b := bucket{minute: minute{start: s}, end: stop}
		for ; i < len(minutes) && minutes[i].start.Before(b.end); i++ {
			m := minutes[i]
			if m.start.Before(s) {
				continue
			}
			if !b.traded {
				b.o, b.h, b.l, b.traded = m.o, m.h, m.l, true
			}
			b.h, b.l, b.c = max(b.h, m.h), min(b.l, m.l), m.c
			b.v += m.v
		}
		out = append(out, b)
	}
	return out
}

func earlierOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sessionMinutes is one session's bars of step in the periods asked for:
// the regular session, and with prePost the pre- and post-market too.
type sessionMinutes struct {
	date                 market.Date
	pre, regular, post   []bucket
	preAt, open, cls, po time.Time // pre-market start, open, close, post-market end
}

// sessionBars returns session b's bars of iv, from its final bar.
func (in *instrument) sessionBars(b bar, decimals int, iv market.Interval, prePost bool) sessionMinutes {
	open, cls := in.hours(b.date)
	s := sessionMinutes{date: b.date, open: open, cls: cls, preAt: open, po: cls}
	s.regular = aggregate(in.regularMinutes(b, decimals), in.barStarts(b.date, iv), iv.Duration(), cls)
	if prePost && in.kind.prePost {
		pre, post := in.extendedMinutes(b, decimals)
		s.preAt, s.po = in.at(b.date, in.kind.pre).UTC(), in.at(b.date, in.kind.post).UTC()
		s.pre = aggregate(pre, steps(s.preAt, open, iv.Duration()), iv.Duration(), open)
		s.post = aggregate(post, steps(cls, s.po, iv.Duration()), iv.Duration(), s.po)
	}
	return s
}

// all returns the session's bars in time order.
func (s sessionMinutes) all() []bucket {
	return slices.Concat(s.pre, s.regular, s.post)
}
