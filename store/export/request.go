package export

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// The widest range a DATE column holds: a Request without From or To.
var (
	firstDate = market.NewDate(1000, 1, 1)
	lastDate  = market.NewDate(9999, 12, 31)
)

// Store is what Run reads (*store.Store).
type Store interface {
	BarStore
	ActionStore
	MinuteExportStore
	CheckSymbols(ctx context.Context, f store.InstrumentFilter) error
}

// Request is one export as marketd export asks for it.
type Request struct {
	Source  string
	Symbols []string // as the user typed them; none: every instrument of the source
	// From and To bound the dates; 0 leaves that end open.
	From, To market.Date
	JSON     bool
	Actions  bool // the corporate actions instead of the bars
	// Interval (1m, 5m, 60m) exports the minute bars of that interval
	// instead of the daily bars; 0 for the daily bars.
	Interval market.Interval
}

// Run checks that the source has every symbol asked for (else a
// *store.UnknownSymbolsError, and nothing is written), then writes what
// req selects to w, and returns the summary line of what it wrote.
func Run(ctx context.Context, w io.Writer, st Store, req Request) (string, error) {
	syms := market.NormalizeSymbols(req.Symbols)
	slices.Sort(syms)
	if len(syms) > 0 {
		if err := st.CheckSymbols(ctx, store.InstrumentFilter{Source: req.Source, Symbols: syms}); err != nil {
			return "", err
		}
	}
	if req.Interval != 0 {
		return RunMinutes(ctx, w, st, MinuteRequest{Source: req.Source, Symbols: syms, Interval: req.Interval,
			From: req.From, To: req.To, JSON: req.JSON})
	}
	sel := Selection{Source: req.Source, Symbols: syms, From: req.From, To: req.To, JSON: req.JSON}
	if sel.From == 0 {
		sel.From = firstDate
	}
	if sel.To == 0 {
		sel.To = lastDate
	}
	var (
		n   Count
		err error
	)
	if req.Actions {
		n, err = Actions(ctx, w, st, sel)
	} else {
		n, err = Bars(ctx, w, st, sel)
	}
	if err != nil {
		return "", err
	}
	none := ""
	if len(n.Empty) > 0 {
		none = fmt.Sprintf("; no %ss in the range for %s", n.Noun, strings.Join(n.Empty, ", "))
	}
	format := "csv"
	if req.JSON {
		format = "json"
	}
	return fmt.Sprintf("export: %s of %s (%s, %s to %s, %s)%s", plural(n.Rows, n.Noun), plural(n.Symbols, "symbol"),
		req.Source, dateOr(req.From, "first"), dateOr(req.To, "last"), format, none), nil
}

// dateOr is d, or open when d is 0 (the range is open at that end).
func dateOr(d market.Date, open string) string {
	if d == 0 {
		return open
	}
	return d.String()
}

// plural counts things in words: "1 symbol", "2 symbols".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
