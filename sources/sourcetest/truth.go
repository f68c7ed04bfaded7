package sourcetest

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Bars returns the ground truth: what a correct collector stores for
// source ("yahoo" or "naver") and symbol (as that source spells it) over
// from..to at the market's Now. Prices are split-adjusted as served and
// rounded to the stored precision (Yahoo: priceHint 2 decimals, Naver:
// whole won); Yahoo bars carry the dividend-adjusted close. A halted
// session is Halted with open, high and low missing and volume 0. A
// session whose regular close has not passed is left out, as sources drop
// it; a closed one that can still change (before the settle time) has
// Final false. Yahoo rows served with a null close are left out; other
// nulls are missing fields. Unknown symbols, and on Yahoo symbols delisted
// before today, have no bars.
func (m *Market) Bars(source, symbol string, from, to market.Date) []market.Bar {
	in, ok := m.lookup(source, symbol)
	if !ok {
		return nil
	}
	now := m.now()
	keep := func(d market.Date) bool {
		return d >= from && d <= to && !now.Before(in.at(d, in.mkt.Close))
	}
	var out []market.Bar
	switch source {
	case market.SourceYahoo:
		if in.yahooGone(now) {
			return nil
		}
		rows, _, _ := m.yahooHistory(in, now)
		for _, r := range rows {
			if !keep(r.date) || slices.Contains(r.nulls, "close") {
				continue
			}
			b := truthBar(r.bar)
			b.AdjClose = market.Some(r.adj)
			for _, f := range r.nulls {
				switch f {
				case "open":
					b.Open = sql.Null[market.Decimal]{}
				case "high":
					b.High = sql.Null[market.Decimal]{}
				case "low":
					b.Low = sql.Null[market.Decimal]{}
				case "volume":
					b.Volume = sql.Null[int64]{}
				case "adjclose":
					b.AdjClose = sql.Null[market.Decimal]{}
				}
			}
			out = append(out, b)
		}
	case market.SourceNaver:
		for _, b := range m.history(in, now, 0) {
			if keep(b.date) {
				out = append(out, truthBar(b))
			}
		}
	}
	return out
}

func truthBar(b bar) market.Bar {
	out := market.Bar{Date: b.date, Close: b.c, Volume: market.Some(b.v)}
	if b.halted {
		out.Halted, out.Volume = true, market.Some[int64](0)
	} else {
		out.Open, out.High, out.Low = market.Some(b.o), market.Some(b.h), market.Some(b.l)
	}
	out.Final = !b.provisional
	return out
}

// Actions returns the corporate actions Yahoo serves for symbol over
// from..to (dividends split-adjusted to today). Naver serves none.
func (m *Market) Actions(source, symbol string, from, to market.Date) []market.Action {
	if source != market.SourceYahoo {
		return nil
	}
	in, ok := m.lookup(source, symbol)
	now := m.now()
	if !ok || in.yahooGone(now) {
		return nil
	}
	_, divs, splits := m.yahooHistory(in, now)
	var out []market.Action
	for _, d := range divs {
		if d.date >= from && d.date <= to {
			out = append(out, market.Action{Date: d.date, Kind: market.Dividend, Amount: d.amount})
		}
	}
	for _, s := range splits {
		if s.date >= from && s.date <= to {
			out = append(out, market.Action{Date: s.date, Kind: market.Split,
				Numerator: market.DecimalFromInt(s.num), Denominator: market.DecimalFromInt(s.den)})
		}
	}
	// Ascending by date; a dividend and a split on one day keep that order.
	slices.SortStableFunc(out, func(a, b market.Action) int { return int(a.Date - b.Date) })
	return out
}

// MinuteTruth returns what a correct client reads from the site of
// key.Source for key.Symbol's session d at interval iv (1m, 5m or 60m),
// at the market's Now: the regular session's bars that had a trade and
// have ended, ascending, starts in UTC, prices at the stored precision
// (Yahoo: priceHint, whole won for KRX shares; Naver: whole won), per-bar
// volumes. The bars add up to the session's final daily bar. A halted
// session, an unknown symbol and a day without a session have none.
// Naver serves 1m only; its truth at other intervals is what aggregating
// its minutes gives.
func (m *Market) MinuteTruth(key market.Key, iv market.Interval, d market.Date) []market.MinuteBar {
	return m.minuteTruth(key, iv, d, false)
}

// MinuteTruthPrePost is MinuteTruth with Yahoo's pre- and post-market bars
// (includePrePost=true) for the instruments that have them (US shares).
func (m *Market) MinuteTruthPrePost(key market.Key, iv market.Interval, d market.Date) []market.MinuteBar {
	return m.minuteTruth(key, iv, d, true)
}

func (m *Market) minuteTruth(key market.Key, iv market.Interval, d market.Date, prePost bool) []market.MinuteBar {
	in, ok := m.lookup(key.Source, key.Symbol)
	if !ok || !iv.Intraday() {
		return nil
	}
	now := m.now()
	view, stored := 0, 0
	if key.Source == market.SourceYahoo {
		if in.yahooGone(now) {
			return nil
		}
		view, stored = in.kind.priceHint, in.kind.priceHint
		if in.krx {
			stored = 0
		}
	}
	b, ok := dayBar(finalHistory(in, now, view, 0), d)
	if !ok {
		return nil
	}
	s := in.sessionBars(b, view, iv, prePost && key.Source == market.SourceYahoo)
	var out []market.MinuteBar
	for _, x := range s.all() {
		if !x.traded || x.end.After(now) {
			continue
		}
		out = append(out, market.MinuteBar{Start: x.start,
			Open: market.Some(x.o.Round(stored)), High: market.Some(x.h.Round(stored)), Low: market.Some(x.l.Round(stored)),
			Close: x.c.Round(stored), Volume: market.Some(x.v)})
	}
	return out
}

// dayBar finds session d in an ascending history.
func dayBar(hist []bar, d market.Date) (bar, bool) {
	i, ok := slices.BinarySearchFunc(hist, d, func(b bar, d market.Date) int { return int(b.date - d) })
	if !ok {
		return bar{}, false
	}
	return hist[i], true
}

// MinuteTruthBetween is MinuteTruth of every session from from to to.
func (m *Market) MinuteTruthBetween(key market.Key, iv market.Interval, from, to market.Date) []market.MinuteBar {
	var out []market.MinuteBar
	for d := from; d <= to; d = d.AddDays(1) {
		out = append(out, m.minuteTruth(key, iv, d, false)...)
	}
	return out
}

// DiffMinutes compares bars a client read with the truth: nil when they
// are equal, else an error naming the first difference. An empty truth is
// an error too, so that a comparison cannot pass by having nothing to
// compare.
func DiffMinutes(got, want []market.MinuteBar) error {
	switch {
	case len(want) == 0:
		return errors.New("the simulated market has no bars to compare")
	case len(got) != len(want):
		return fmt.Errorf("%d bars, truth %d (truth from %s to %s)", len(got), len(want),
			want[0].Start.Format(time.RFC3339), want[len(want)-1].Start.Format(time.RFC3339))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("bar %d = %+v, truth %+v", i, got[i], want[i])
		}
	}
	return nil
}
