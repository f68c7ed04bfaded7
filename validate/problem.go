package validate

import (
	"fmt"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Kind says what sort of problem a Problem is.
type Kind string

// Problem kinds, in the order a report lists them.
const (
	// KindDrift: a source returned nothing for a whole market on an open
	// session: the site changed its format or blocked us.
	KindDrift Kind = "source drift"
	// KindDeadMan: a scheduled job has not succeeded for two periods.
	KindDeadMan Kind = "job not succeeding"
	// KindMarketMissing: no instrument of a market has a bar for a session
	// the calendar says was open: a collection failure or a closure the
	// calendar does not know, reported once rather than as many gaps.
	KindMarketMissing Kind = "market-wide missing"
	// KindGap: sessions missing for one instrument.
	KindGap Kind = "gap"
	// KindStale: the instrument's latest bar is older than the last
	// closed session.
	KindStale Kind = "stale"
	// KindBadBar: a stored bar that cannot be right.
	KindBadBar Kind = "bad bar"
	// KindCrossSource: two sources disagree on a close beyond tolerance.
	// Informational: the sites are known to differ slightly.
	KindCrossSource Kind = "cross-source difference"
	// KindCalendar: the calendar table does not cover a date checked.
	KindCalendar Kind = "calendar"
	// KindIntradayGap: sessions with no minute bar stored for an
	// instrument that collects them, while it traded.
	KindIntradayGap Kind = "intraday gap"
	// KindIntradayThin: sessions of a liquid instrument with fewer minute
	// bars stored than validate.intraday_min_coverage of the calendar's.
	KindIntradayThin Kind = "intraday thin"
)

// Intraday reports whether the problem is about minute bars (Interval
// set): the email shows those in its intraday section.
func (p Problem) Intraday() bool { return p.Interval != 0 }

// Problem is one thing wrong in the store, over a range of sessions.
type Problem struct {
	Kind   Kind
	Market string
	Key    market.Key // zero for a market-wide problem or a job
	Job    string     // for KindDeadMan
	// Interval is the minute bars' interval of an intraday problem; zero
	// for daily bars.
	Interval market.Interval
	From     market.Date
	To       market.Date
	// Sessions is how many sessions the range covers (gaps).
	Sessions int
	Detail   string
	// Repairable problems are ones a backfill of From..To can fix.
	Repairable bool

	// Alert state, filled from the database before reporting.
	FirstSeen time.Time
	New       bool
}

// ID identifies the problem across runs, for alert state and acks.
func (p Problem) ID() string {
	switch {
	case p.Job != "":
		return fmt.Sprintf("%s|%s", p.Kind, p.Job)
	case p.Key.Symbol == "":
		return fmt.Sprintf("%s|%s|%s|%s", p.Kind, p.Market, p.Key.Source, p.From)
	}
	return fmt.Sprintf("%s|%s|%s|%s", p.Kind, p.Key.Source, p.Key.Symbol, p.From)
}

// Dates formats the range: "2026-11-02" or "2026-11-02..2026-11-06".
func (p Problem) Dates() string {
	if p.From.IsZero() {
		return ""
	}
	if p.To.IsZero() || p.To == p.From {
		return p.From.String()
	}
	return p.From.String() + ".." + p.To.String()
}

// Who names the instrument, market or job the problem is about.
func (p Problem) Who() string {
	switch {
	case p.Job != "":
		return p.Job
	case p.Key.Symbol != "":
		return p.Key.Source + " " + p.Key.Symbol
	case p.Key.Source != "":
		return p.Key.Source + " " + p.Market
	}
	return p.Market
}

// RepairCommand is the command an operator can paste to fix the problem,
// or "" when no backfill can.
func (p Problem) RepairCommand() string {
	if p.Kind == KindBadBar {
		// Fetched again, the bar is replaced if the source has corrected
		// it; if not, it is one to acknowledge (marketd gaps ack).
		return fmt.Sprintf("marketd backfill --source %s --symbols %s --from %s --to %s --force", p.Key.Source, p.Key.Symbol, p.From, p.To)
	}
	if !p.Repairable {
		return ""
	}
	if p.Intraday() {
		// The archive's backfill of minute bars, not the daily one; it
		// skips a session with bars stored unless forced, and a thin
		// session has some.
		cmd := fmt.Sprintf("marketd backfill --source %s --symbols %s --interval %s --from %s --to %s",
			p.Key.Source, p.Key.Symbol, p.Interval, p.From, p.To)
		if p.Kind == KindIntradayThin {
			cmd += " --force"
		}
		return cmd
	}
	var b strings.Builder
	fmt.Fprintf(&b, "marketd backfill --source %s", p.Key.Source)
	if p.Key.Symbol != "" {
		fmt.Fprintf(&b, " --symbols %s", p.Key.Symbol)
	} else {
		fmt.Fprintf(&b, " --market %s", p.Market)
	}
	fmt.Fprintf(&b, " --from %s --to %s", p.From, p.To)
	return b.String()
}

// collapse turns ascending sessions into ranges of consecutive sessions
// (consecutive in the calendar, so a weekend does not split a range).
func collapse(missing []market.Date, next func(market.Date) market.Date) [][2]market.Date {
	var out [][2]market.Date
	for _, d := range missing {
		if n := len(out); n > 0 && next(out[n-1][1]) == d {
			out[n-1][1] = d
			continue
		}
		out = append(out, [2]market.Date{d, d})
	}
	return out
}
