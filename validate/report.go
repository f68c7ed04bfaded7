package validate

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// MarketSummary is one (market, source) pass in numbers.
type MarketSummary struct {
	Market      string      `json:"market"`
	Source      string      `json:"source"`
	From        market.Date `json:"from"`
	To          market.Date `json:"to"`
	Instruments int         `json:"instruments"`
	Sessions    int         `json:"sessions"`
	Bars        int         `json:"bars"`
	// Unchanged is how many of Bars an earlier validation found clean
	// and no write has touched since: counted, not read again.
	Unchanged     int `json:"unchanged"`
	GapSessions   int `json:"gap_sessions"`
	MarketMissing int `json:"market_missing"`
	Stale         int `json:"stale"`
	BadBars       int `json:"bad_bars"`
	// Calendar says where the sessions came from when it was not the
	// market's holiday table alone: inferred from the stored bars.
	Calendar string `json:"calendar,omitempty"`
}

// Grid is the coverage of the last sessions: one row per instrument that
// misses any of them or has a bad bar in the window checked (complete
// instruments are only counted).
type Grid struct {
	Market, Source string
	Sessions       []market.Date
	Rows           []GridRow
	Complete       int
}

// GridRow is one instrument's cells, one of the Cell states per session.
type GridRow struct {
	Symbol string
	Cells  string
}

// Grid cell states, as the text report prints them.
const (
	CellStored      = '#'
	CellMissing     = '.'
	CellBad         = '!' // stored, and found wrong
	CellNotExpected = ' ' // before listing or after delisting
)

// Report is what a validation run found.
type Report struct {
	Generated      time.Time
	Markets        []MarketSummary
	Problems       []Problem // what remains, most urgent first
	Repaired       []Problem // fixed by self-repair in this run
	RepairFailures []RepairFailure
	Grids          []Grid
	// Intraday is the minute-bar coverage of each instrument that
	// collects minute bars, in the order of the passes.
	Intraday []IntradayCoverage
	// Resolved lists the IDs of problems reported before that are gone.
	Resolved []string
	// Checked is where the run looked: the alert state resolves only
	// problems inside it.
	Checked Scope
}

// RepairFailure is a repair that was tried and failed, with why.
type RepairFailure struct {
	Problem Problem
	Reason  string
}

// Counts tallies problems by what the subject line reports.
type Counts struct {
	Gaps, BadBars, Stale, MarketWide, Drift, DeadMan, Info int
	IntradayGaps, IntradayThin                             int
}

// Counts tallies the remaining problems.
func (r *Report) Counts() Counts {
	var c Counts
	for _, p := range r.Problems {
		switch p.Kind {
		case KindGap:
			c.Gaps++
		case KindBadBar:
			c.BadBars++
		case KindStale:
			c.Stale++
		case KindMarketMissing:
			c.MarketWide++
		case KindDrift:
			c.Drift++
		case KindDeadMan:
			c.DeadMan++
		case KindIntradayGap:
			c.IntradayGaps++
		case KindIntradayThin:
			c.IntradayThin++
		default:
			c.Info++
		}
	}
	return c
}

// Clean reports whether nothing needs the operator: informational
// differences and calendar notes aside.
func (r *Report) Clean() bool {
	c := r.Counts()
	return c.Gaps+c.BadBars+c.Stale+c.MarketWide+c.Drift+c.DeadMan+c.IntradayGaps+c.IntradayThin == 0
}

// Subject is the email subject:
// "marketd: 3 gaps, 1 bad bar, 2 repaired — XKRX, XNYS (2026-11-23)".
func (r *Report) Subject() string {
	c := r.Counts()
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(c.Drift, "source down", "sources down")
	add(c.DeadMan, "job failing", "jobs failing")
	add(c.MarketWide, "market-wide miss", "market-wide misses")
	add(c.Gaps, "gap", "gaps")
	add(c.Stale, "stale", "stale")
	add(c.BadBars, "bad bar", "bad bars")
	add(c.IntradayGaps, "intraday gap", "intraday gaps")
	add(c.IntradayThin, "thin intraday range", "thin intraday ranges")
	what := strings.Join(parts, ", ")
	switch {
	case r.Clean() && len(r.Markets) == 0:
		// No instrument matched: nothing clean was found, nothing was read.
		what = "nothing checked, no active instrument matches"
	case r.Clean():
		what = "all clear"
	}
	if len(r.Repaired) > 0 {
		what += fmt.Sprintf(", %d repaired", len(r.Repaired))
	}
	var markets []string
	for _, m := range r.Markets {
		if !slices.Contains(markets, m.Market) {
			markets = append(markets, m.Market)
		}
	}
	day := r.Generated.UTC().Format(time.DateOnly)
	if len(markets) == 0 {
		return fmt.Sprintf("marketd: %s (%s)", what, day)
	}
	return fmt.Sprintf("marketd: %s — %s (%s)", what, strings.Join(markets, ", "), day)
}

var kindOrder = []Kind{KindDrift, KindDeadMan, KindMarketMissing, KindStale, KindGap, KindBadBar, KindIntradayGap, KindIntradayThin, KindCalendar, KindCrossSource}

func (r *Report) sort() {
	rank := func(k Kind) int { return slices.Index(kindOrder, k) }
	sort.SliceStable(r.Problems, func(i, j int) bool {
		a, b := r.Problems[i], r.Problems[j]
		if rank(a.Kind) != rank(b.Kind) {
			return rank(a.Kind) < rank(b.Kind)
		}
		if a.Market != b.Market {
			return a.Market < b.Market
		}
		if a.Key != b.Key {
			return a.Key.String() < b.Key.String()
		}
		return a.From < b.From
	})
}

// grid builds the coverage grid of the last sessions of a scope; bad
// lists the dates of the bad bars found per instrument.
func (v *Validator) grid(sc *scope, states []*instState, bad map[market.Key][]market.Date) Grid {
	n := min(v.cfg.GridSessions, len(sc.sessions))
	first := len(sc.sessions) - n
	g := Grid{Market: sc.cal.Market().Code, Source: sc.source, Sessions: sc.sessions[first:]}
	for _, st := range states {
		var cells strings.Builder
		complete := len(bad[st.inst.Key]) == 0
		for i := first; i < len(sc.sessions); i++ {
			d := sc.sessions[i]
			switch {
			case st.present[i] && slices.Contains(bad[st.inst.Key], d):
				cells.WriteByte(CellBad)
			case st.present[i]:
				cells.WriteByte(CellStored)
			case (!st.inst.Listed.IsZero() && d < st.inst.Listed) || (!st.inst.Delisted.IsZero() && d > st.inst.Delisted):
				cells.WriteByte(CellNotExpected)
			default:
				cells.WriteByte(CellMissing)
				complete = false
			}
		}
		if complete {
			g.Complete++
			continue
		}
		g.Rows = append(g.Rows, GridRow{Symbol: st.inst.Symbol, Cells: cells.String()})
	}
	return g
}

// badBars indexes the dates of the bad bars among problems by instrument.
func badBars(problems []Problem) map[market.Key][]market.Date {
	out := map[market.Key][]market.Date{}
	for _, p := range problems {
		if p.Kind == KindBadBar {
			out[p.Key] = append(out[p.Key], p.From)
		}
	}
	return out
}
