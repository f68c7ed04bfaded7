package sourcetest

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// rawBar is one session as traded, before any later split: prices at the
// traded precision (KRW won, US cents).
type rawBar struct {
	date       market.Date
	o, h, l, c market.Decimal
	v          int64
	halted     bool
}

// bar is one session as a site serves it at some instant: prices adjusted
// for the splits up to that day and rounded to the view's decimals.
type bar struct {
	date        market.Date
	o, h, l, c  market.Decimal // o, h, l equal c on a halted session
	v           int64
	halted      bool
	provisional bool // the session is in progress or in after-hours
}

// walk generates the traded history of in from its first session through
// last, a random walk in integer arithmetic, so it is the same on every
// platform and for every window: a bar depends only on the symbol, the
// seed, the calendar and the configured events before it.
func walk(in *instrument, last market.Date) []rawBar {
	if in.delisted != 0 && last > in.delisted {
		last = in.delisted
	}
	if last < in.listed {
		return nil
	}
	sessions := in.cal.Sessions(in.listed, last)
	rng := rand.New(rand.NewPCG(in.seed, in.seed^0x9e3779b97f4a7c15))
	tick := tickOf(in.decimals)
	var p, baseVol int64
	if in.krx {
		p = (5_000 + rng.Int64N(295_000)) / 100 * 100
		baseVol = 100_000 + rng.Int64N(20_000_000)
	} else {
		p = in.kind.lo + rng.Int64N(in.kind.span) // in ticks: cents for US shares
		baseVol = 1_000_000 + rng.Int64N(40_000_000)
	}
	price := market.Decimal(p) * tick
	ref := price // the start price in today's share units, for mean reversion
	out := make([]rawBar, 0, len(sessions))
	si, di := 0, 0
	for _, d := range sessions {
		for si < len(in.splits) && in.splits[si].Date <= d {
			if in.splits[si].Date > in.listed {
				sp := in.splits[si]
				price = roundTo(scale(price, sp.Denominator, sp.Numerator), in.decimals, tick)
				ref = scale(ref, sp.Denominator, sp.Numerator)
			}
			si++
		}
		for di < len(in.divs) && in.divs[di].Date <= d {
			if in.divs[di].Date == d {
				price = max(price-in.divs[di].Amount, tick).Round(in.decimals)
			}
			di++
		}
		// Seven draws per session whatever happens, so a halt or a null
		// leaves the randomness of the other sessions unchanged.
		r := rng.Int64N(241) + rng.Int64N(241) + rng.Int64N(241) - 360 // basis points
		g := rng.Int64N(81) - 40
		uh, ul := rng.Int64N(150), rng.Int64N(150)
		vv := 50 + rng.Int64N(101)
		switch {
		case price > 4*ref:
			r -= 25
		case price < ref/4:
			r += 25
		}
		if in.krx { // the KRX daily limit is 30%
			r = min(max(r, -2900), 2900)
		}
		if in.halts[d] {
			out = append(out, rawBar{date: d, o: price, h: price, l: price, c: price, halted: true})
			continue
		}
		o := roundTo(bps(price, g), in.decimals, tick)
		c := roundTo(bps(price, r), in.decimals, tick)
		h := roundTo(bps(max(o, c), uh), in.decimals, tick)
		l := roundTo(bps(min(o, c), -ul), in.decimals, tick)
		h, l = max(h, o, c), min(l, o, c)
		out = append(out, rawBar{date: d, o: o, h: h, l: l, c: c, v: baseVol * vv / 100})
		price = c
	}
	return out
}

// tickOf is the smallest price step at decimals.
func tickOf(decimals int) market.Decimal {
	t := market.DecimalFromInt(1)
	for range decimals {
		t /= 10
	}
	return t
}

// bps moves x by n basis points.
func bps(x market.Decimal, n int64) market.Decimal {
	return market.Decimal(int64(x) * (10_000 + n) / 10_000)
}

// scale returns x*num/den, rounded half up to the Decimal's last digit.
func scale(x market.Decimal, num, den int64) market.Decimal {
	v := int64(x) * num
	q, r := v/den, v%den
	if 2*r >= den {
		q++
	}
	return market.Decimal(q)
}

// roundTo rounds x to decimals, never below one tick.
func roundTo(x market.Decimal, decimals int, tick market.Decimal) market.Decimal {
	return max(x.Round(decimals), tick)
}

// lastSession returns the latest session that has opened at now (today's
// once its open has passed), capped at the delisting; 0 if none.
func (in *instrument) lastSession(now time.Time) market.Date {
	today := in.mkt.Today(now)
	days := in.cal.Sessions(today.AddDays(-40), today)
	for i := len(days) - 1; i >= 0; i-- {
		d := days[i]
		if d == today && now.Before(in.at(d, in.open)) {
			continue
		}
		if in.delisted != 0 && d > in.delisted {
			continue
		}
		if d < in.listed {
			return 0
		}
		return d
	}
	return 0
}

// splitFactor returns the product of the splits in (d, upto] as num/den.
func (in *instrument) splitFactor(d, upto market.Date) (num, den int64) {
	num, den = 1, 1
	for _, s := range in.splits {
		if s.Date > d && s.Date <= upto && s.Date > in.listed {
			num *= s.Numerator
			den *= s.Denominator
		}
	}
	return num, den
}

// walkTail is how many of the latest sessions an instrument keeps from
// its last walk: enough for the polling feed, the minute archive and a
// week of Yahoo's intraday answers, which ask for the same recent history
// many times a minute, while the whole history (hundreds of kilobytes
// per symbol) is walked again when asked for.
const walkTail = 40

// walked returns the last n sessions of walk(in, last), or all of it for
// n = 0 or n beyond walkTail.
func (in *instrument) walked(last market.Date, n int) []rawBar {
	if n <= 0 || n > walkTail {
		return walk(in, last)
	}
	in.walkMu.Lock()
	defer in.walkMu.Unlock()
	if in.tail == nil || in.tailTo != last {
		raw := walk(in, last)
		in.tail, in.tailTo = slices.Clone(raw[max(0, len(raw)-walkTail):]), last
	}
	return in.tail[max(0, len(in.tail)-n):]
}

// history returns every bar served at now, from the listing through the
// latest session that has opened, adjusted for the splits up to today and
// rounded to decimals. The session in progress (until the market's settle
// time) is provisional and moves minute by minute.
func (m *Market) history(in *instrument, now time.Time, decimals int) []bar {
	return m.recentHistory(in, now, decimals, 0)
}

// recentHistory is the last n bars of history (all for n = 0), without
// adjusting the sessions before them.
func (m *Market) recentHistory(in *instrument, now time.Time, decimals, n int) []bar {
	out := finalHistory(in, now, decimals, n)
	for i, b := range out {
		if !in.mkt.Settled(b.date, now) {
			out[i] = m.provisional(in, b, now)
		}
	}
	return out
}

// finalHistory is recentHistory with every session's final bar, the one a
// session in progress is heading for: what its minutes add up to.
func finalHistory(in *instrument, now time.Time, decimals, n int) []bar {
	last := in.lastSession(now)
	if last == 0 {
		return nil
	}
	raw := in.walked(last, n)
	if n > 0 {
		raw = raw[max(0, len(raw)-n):]
	}
	today := in.mkt.Today(now)
	out := make([]bar, len(raw))
	for i, r := range raw {
		num, den := in.splitFactor(r.date, today)
		adj := func(x market.Decimal) market.Decimal { return scale(x, den, num).Round(decimals) }
		b := bar{date: r.date, o: adj(r.o), h: adj(r.h), l: adj(r.l), c: adj(r.c), halted: r.halted}
		b.v = int64(scale(market.Decimal(r.v), num, den))
		out[i] = b
	}
	return out
}

// provisional turns the final bar of the session in progress into what the
// site shows at now: it converges on the final bar as the settle time
// approaches, with a wobble that changes every minute.
func (m *Market) provisional(in *instrument, b bar, now time.Time) bar {
	b.provisional = true
	if b.halted {
		return b
	}
	open, settle := in.at(b.date, in.open), in.at(b.date, in.mkt.Settle)
	frac := int64(1000 * now.Sub(open) / settle.Sub(open))
	frac = min(max(frac, 0), 999)
	minute := now.Unix() / 60
	rng := rand.New(rand.NewPCG(in.seed^uint64(minute), uint64(minute)))
	spread := int64(b.h-b.l)/2 + 1
	wobble := market.Decimal((rng.Int64N(2*spread+1) - spread) * (1000 - frac) / 1000)
	// Today's bar has no later split to adjust for: it moves in the
	// traded precision whatever the view's.
	decimals, tick := in.decimals, tickOf(in.decimals)
	c := roundTo(b.o+market.Decimal(int64(b.c-b.o)*frac/1000)+wobble, decimals, tick)
	h := roundTo(b.o+market.Decimal(int64(b.h-b.o)*frac/1000), decimals, tick)
	l := roundTo(b.o-market.Decimal(int64(b.o-b.l)*frac/1000), decimals, tick)
	b.c, b.h, b.l = c, max(h, b.o, c), min(l, b.o, c)
	b.v = b.v * frac / 1000
	return b
}
