package validate

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// GapListStore is what ListGaps reads besides the report.
type GapListStore interface {
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	Acks(ctx context.Context) ([]store.Ack, error)
}

// GapList is what marketd gaps list shows: the problems gaps ack settles
// and the acknowledgements, of the chosen markets.
type GapList struct {
	Problems []Problem
	Acks     []store.Ack
	// Gaps counts gaps and stale instruments (and markets missing a
	// session, and drifts); Bad the bad bars.
	Gaps, Bad int
}

// ListGaps picks from rep the problems an acknowledgement settles that
// concern the chosen markets, and the acknowledgements of their
// instruments. The validator checks whole exchanges; a board narrows
// what is listed.
func ListGaps(ctx context.Context, st GapListStore, rep *Report, chosen market.Choices) (GapList, error) {
	var l GapList
	concerns := func(market.Key, string) bool { return true }
	if len(chosen) > 0 {
		insts, err := st.Instruments(ctx, store.InstrumentFilter{})
		if err != nil {
			return l, err
		}
		byKey := make(map[market.Key]market.Instrument, len(insts))
		for _, in := range insts {
			byKey[in.Key] = in
		}
		concerns = func(k market.Key, mkt string) bool {
			if k.Symbol == "" { // a market's pass
				return chosen.HasExchange(mkt)
			}
			in, ok := byKey[k]
			return ok && chosen.Has(in)
		}
	}
	for _, p := range rep.Problems {
		switch p.Kind {
		case KindGap, KindStale, KindMarketMissing, KindDrift, KindBadBar:
		default:
			continue // not something gaps ack settles
		}
		if !concerns(p.Key, p.Market) {
			continue
		}
		if p.Kind == KindBadBar {
			l.Bad++
		} else {
			l.Gaps++
		}
		l.Problems = append(l.Problems, p)
	}
	acks, err := st.Acks(ctx)
	if err != nil {
		return l, err
	}
	for _, a := range acks {
		if concerns(market.Key{Source: a.Source, Symbol: a.Symbol}, "") {
			l.Acks = append(l.Acks, a)
		}
	}
	return l, nil
}

// gapsRow lays out a line of the list: kind, who, dates, sessions, detail.
const gapsRow = "%-20s %-16s %-22s %8s  %s\n"

// WriteText writes the list's header, its problems and its
// acknowledgements.
func (l GapList) WriteText(w io.Writer) error {
	fmt.Fprintf(w, gapsRow, "KIND", "WHO", "DATES", "SESSIONS", "DETAIL")
	for _, p := range l.Problems {
		sessions := strconv.Itoa(p.Sessions)
		if p.Kind == KindBadBar {
			sessions = "" // one bar, not a range of sessions
		}
		fmt.Fprintf(w, gapsRow, p.Kind, p.Who(), p.Dates(), sessions, p.Detail)
	}
	for _, a := range l.Acks {
		if _, err := fmt.Fprintf(w, gapsRow, "acknowledged", a.Source+" "+a.Symbol, market.FormatDateRange(a.From, a.To), "", a.Reason); err != nil {
			return err
		}
	}
	return nil
}

// Summary counts what the list holds in one line.
func (l GapList) Summary() string {
	open := fmt.Sprintf("%d open gaps or stale instruments", l.Gaps)
	if l.Gaps == 1 {
		open = "1 open gap or stale instrument"
	}
	bad := fmt.Sprintf("%d bad bars", l.Bad)
	if l.Bad == 1 {
		bad = "1 bad bar"
	}
	return fmt.Sprintf("%s, %s, %d acknowledged", open, bad, len(l.Acks))
}
