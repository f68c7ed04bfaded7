package validate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// BarCounter is what the intraday check needs of a calendar: how many bars
// of an interval a session holds, its midday break and late opening
// included (calendar.Calendar.BarCount).
type BarCounter interface {
	BarCount(d market.Date, iv market.Interval) int
}

// MinuteReacher says how far back a source serves minute bars of an
// interval (0: none); the Yahoo and Naver sources are.
type MinuteReacher interface {
	MinuteReach(iv market.Interval) time.Duration
}

// ReachOf makes Config.MinuteReach from the sources by name: a source
// missing from it serves no minute bars.
func ReachOf(sources map[string]MinuteReacher) func(market.Key, market.Interval) time.Duration {
	return func(k market.Key, iv market.Interval) time.Duration {
		if r, ok := sources[k.Source]; ok {
			return r.MinuteReach(iv)
		}
		return 0
	}
}

// IntradayCoverage is one instrument's minute bars over the sessions
// checked: what the email's intraday section shows.
type IntradayCoverage struct {
	Market   string
	Key      market.Key
	Interval market.Interval
	From     market.Date
	To       market.Date
	// Sessions is how many sessions bars were expected on; Stored and
	// Expected add up their bars (stored bars beyond a session's count do
	// not make up for another session's missing ones).
	Sessions, Stored, Expected int
	// Median is the median of the sessions' coverage, stored / expected,
	// over the sessions with at least one bar stored among the window's
	// and the last liquiditySessions.
	Median float64
	// Illiquid: Median is below the minimum coverage, so the instrument
	// does not trade every minute: only whole missing sessions count.
	Illiquid     bool
	GapSessions  int
	ThinSessions int
}

// Coverage is Stored / Expected, 1 when nothing was expected.
func (c IntradayCoverage) Coverage() float64 {
	if c.Expected == 0 {
		return 1
	}
	return float64(c.Stored) / float64(c.Expected)
}

// Who names the instrument as Problem.Who does.
func (c IntradayCoverage) Who() string { return c.Key.Source + " " + c.Key.Symbol }

// intradayDay is one session of one instrument: the bars stored and
// expected, and what its daily bar says.
type intradayDay struct {
	date             market.Date
	stored, expected int
	daily            dailyTrade
}

// dailyTrade is what an instrument's daily bar says of a session.
type dailyTrade uint8

const (
	dailyNone   dailyTrade = iota // no daily bar stored
	dailyTraded                   // a bar with volume (or volume unknown)
	dailyIdle                     // halted, or no trade at all: no minute expected
)

// checkIntraday checks the minute bars of the scope's instruments that
// collect them (Instrument.Intraday) against the calendar's bar counts,
// session by session, from the first session with a stored bar of the
// series (minute history is short: the sources serve weeks, retention
// keeps about a year) to the last closed one:
//   - a session with no bar at all is an intraday gap when the daily bar
//     shows the instrument traded, or when it has no daily bar and the
//     instrument is liquid; never on a halted day or one without trades;
//   - a session whose stored bars are below Config.IntradayMinCoverage of
//     the calendar's count is thin, on a liquid instrument only;
//   - an instrument is illiquid when the median coverage of its sessions
//     with bars (the window's, and the last 20 whatever the window) is
//     below the minimum: it does not trade every minute, so only whole
//     missing sessions are reported.
//
// A series with nothing stored in the window is one gap on the last
// session, if the instrument traded then: the archive has not run for it.
func (v *Validator) checkIntraday(ctx context.Context, sc *scope, insts []market.Instrument) ([]Problem, []IntradayCoverage, error) {
	var want []market.Instrument
	for _, in := range insts {
		if in.Intraday.Intraday() {
			want = append(want, in)
		}
	}
	if len(want) == 0 || len(sc.sessions) == 0 {
		return nil, nil, nil
	}
	mkt := sc.cal.Market()
	bars, ok := sc.cal.(BarCounter)
	if !ok {
		// An inferred calendar (past the table) knows sessions, not hours:
		// the table's calendar counts the bars of the sessions it gives.
		base, err := v.calendars(ctx, mkt.Code)
		if err != nil {
			return nil, nil, fmt.Errorf("calendar for minute bars: %w", err)
		}
		if bars, ok = base.(BarCounter); !ok {
			return nil, nil, fmt.Errorf("the %s calendar has no session hours: minute bars cannot be checked", mkt.Code)
		}
	}
	// Liquidity is judged over liquiditySessions at least, so that a short
	// window (one session) does not call a liquid instrument's thin day
	// its normal.
	liqFrom := sc.to
	for i := 1; i < liquiditySessions && liqFrom != 0; i++ {
		liqFrom = sc.cal.Prev(liqFrom)
	}
	countFrom := sc.from
	if liqFrom != 0 {
		countFrom = min(countFrom, liqFrom)
	}
	liqSessions := sc.cal.Sessions(countFrom, sc.to)
	counts := make([]map[market.Date]int, len(want))
	first := sc.to
	for i, in := range want {
		c, err := v.store.MinuteCounts(ctx, in.Key, in.Intraday, mkt.Location, countFrom, sc.to)
		if err != nil {
			return nil, nil, err
		}
		counts[i] = c
		for d := range c {
			if d >= sc.from {
				first = min(first, d)
			}
		}
	}
	daily, err := v.dailyTrades(ctx, sc.source, want, first, sc.to)
	if err != nil {
		return nil, nil, err
	}

	var problems []Problem
	var out []IntradayCoverage
	for i, in := range want {
		days := v.intradayDays(sc, bars, in, counts[i], daily[in.Key])
		ps, cov := v.judgeIntraday(sc, in, days, medianCoverage(bars, in.Intraday, liqSessions, counts[i]))
		problems = append(problems, ps...)
		if len(days) > 0 {
			out = append(out, cov)
		}
	}
	return problems, out, nil
}

// intradayDays lists the sessions of in's minute window: from its first
// session with a bar stored (or only the scope's last session when it has
// none), within its listing, each with the calendar's count.
func (v *Validator) intradayDays(sc *scope, bars BarCounter, in market.Instrument, counts map[market.Date]int, daily map[market.Date]dailyTrade) []intradayDay {
	from := sc.to
	for d := range counts {
		if d >= sc.from {
			from = min(from, d)
		}
	}
	if !in.Listed.IsZero() {
		from = max(from, in.Listed)
	}
	to := sc.to
	if !in.Delisted.IsZero() {
		to = min(to, in.Delisted)
	}
	lo, _ := slices.BinarySearch(sc.sessions, from)
	var out []intradayDay
	for _, d := range sc.sessions[lo:] {
		if d > to {
			break
		}
		n := bars.BarCount(d, in.Intraday)
		if n == 0 {
			continue // a session the calendar has no hours for (inferred)
		}
		out = append(out, intradayDay{date: d, stored: counts[d], expected: n, daily: daily[d]})
	}
	return out
}

// judgeIntraday turns one instrument's sessions into problems and its
// coverage row.
func (v *Validator) judgeIntraday(sc *scope, in market.Instrument, days []intradayDay, median float64) ([]Problem, IntradayCoverage) {
	mkt := sc.cal.Market().Code
	cov := IntradayCoverage{Market: mkt, Key: in.Key, Interval: in.Intraday, Median: median}
	if len(days) > 0 {
		cov.From, cov.To = days[0].date, days[len(days)-1].date
	}
	floor := v.cfg.IntradayMinCoverage
	// No session with bars (median 0): liquidity unknown, so only the daily
	// bars say when minutes were due.
	cov.Illiquid = cov.Median < floor
	var gaps, thin []market.Date
	detail := map[market.Date]string{}
	for _, d := range days {
		due := d.daily == dailyTraded || (d.daily == dailyNone && !cov.Illiquid)
		if d.stored == 0 && !due {
			continue
		}
		cov.Sessions++
		cov.Expected += d.expected
		cov.Stored += min(d.stored, d.expected)
		switch {
		case sc.acked(in.Key, d.date):
		case d.stored == 0:
			gaps = append(gaps, d.date)
		case !cov.Illiquid && float64(d.stored) < floor*float64(d.expected):
			thin = append(thin, d.date)
			detail[d.date] = fmt.Sprintf("%s %d/%d", d.date, d.stored, d.expected)
		}
	}
	var problems []Problem
	add := func(kind Kind, dates []market.Date, describe func(r [2]market.Date, n int) string) int {
		total := 0
		for _, r := range collapse(dates, sc.cal.Next) {
			n := countSessions(sc, r)
			total += n
			p := Problem{Kind: kind, Market: mkt, Key: in.Key, Interval: in.Intraday, From: r[0], To: r[1], Sessions: n,
				Detail: describe(r, n)}
			p.Repairable, p.Detail = v.minuteReach(p)
			problems = append(problems, p)
		}
		return total
	}
	cov.GapSessions = add(KindIntradayGap, gaps, func(r [2]market.Date, n int) string {
		if n == 1 {
			return fmt.Sprintf("no %s bars stored on a session the daily bars or its liquidity say it traded", in.Intraday)
		}
		return fmt.Sprintf("no %s bars stored on %d sessions the daily bars or its liquidity say it traded", in.Intraday, n)
	})
	cov.ThinSessions = add(KindIntradayThin, thin, func(r [2]market.Date, _ int) string {
		var parts []string
		for _, d := range thin {
			if d >= r[0] && d <= r[1] {
				parts = append(parts, detail[d])
			}
		}
		return fmt.Sprintf("%s bars stored below %.0f%% of the session's (stored/expected): %s", in.Intraday, 100*floor, strings.Join(parts, ", "))
	})
	return problems, cov
}

// minuteReach says whether the problem's sessions are still served by the
// source (Config.MinuteReach), and completes its detail: beyond the reach
// no backfill can bring the bars back.
func (v *Validator) minuteReach(p Problem) (repairable bool, detail string) {
	if v.cfg.MinuteReach == nil {
		return true, p.Detail + "; refetch them while the source still serves them"
	}
	reach := v.cfg.MinuteReach(p.Key, p.Interval)
	if reach <= 0 {
		return false, p.Detail + fmt.Sprintf("; %s does not serve %s bars: they cannot be fetched again", p.Key.Source, p.Interval)
	}
	loc := time.UTC
	if m, err := market.LookupMarket(p.Market); err == nil {
		loc = m.Location
	}
	oldest := market.DateOf(v.now.Add(-reach).In(loc))
	if p.From < oldest {
		return false, p.Detail + fmt.Sprintf("; %s serves %s bars back to %s only: acknowledge what is older (marketd gaps ack)", p.Key.Source, p.Interval, oldest)
	}
	return true, p.Detail
}

// dailyTrades reads what the daily bars of insts say of each session
// from..to.
func (v *Validator) dailyTrades(ctx context.Context, source string, insts []market.Instrument, from, to market.Date) (map[market.Key]map[market.Date]dailyTrade, error) {
	symbols := make([]string, len(insts))
	for i, in := range insts {
		symbols[i] = in.Symbol
	}
	out := make(map[market.Key]map[market.Date]dailyTrade, len(insts))
	err := v.store.ScanBarsOf(ctx, source, symbols, from, to, func(k market.Key, b market.Bar) error {
		m := out[k]
		if m == nil {
			m = map[market.Date]dailyTrade{}
			out[k] = m
		}
		m[b.Date] = dailyTraded
		if b.Halted || (b.Volume.Valid && b.Volume.V == 0) {
			m[b.Date] = dailyIdle
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the daily bars of %s minute series: %w", source, err)
	}
	return out, nil
}

// liquiditySessions is how many sessions back, at least, an instrument's
// median coverage is taken over.
const liquiditySessions = 20

// medianCoverage is the median of stored / expected bars of iv over the
// sessions with a bar stored (0 when there is none).
func medianCoverage(bars BarCounter, iv market.Interval, sessions []market.Date, counts map[market.Date]int) float64 {
	var ratios []float64
	for _, d := range sessions {
		if n, want := counts[d], bars.BarCount(d, iv); n > 0 && want > 0 {
			ratios = append(ratios, min(float64(n)/float64(want), 1))
		}
	}
	return median(ratios)
}

// median of xs (0 for none), which it sorts.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
