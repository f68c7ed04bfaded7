package validate_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

// gapStore holds one instrument's bars and the acknowledgements.
type gapStore struct {
	bars []market.Date
	acks []store.Ack
}

func (g gapStore) Bars(_ context.Context, _ market.Key, from, to market.Date) ([]market.Bar, error) {
	var out []market.Bar
	for _, d := range g.bars {
		if d >= from && d <= to {
			out = append(out, market.Bar{Date: d})
		}
	}
	return out, nil
}

func (g gapStore) Acks(context.Context) ([]store.Ack, error) { return g.acks, nil }

// The gap finder backfill --gaps-only uses: missing sessions of the
// expected span, acknowledged ones left out, and, with nothing stored and
// no listing date, every session of the window.
func TestGapFinder(t *testing.T) {
	ctx := context.Background()
	book := calendar.NewBook(nil, nil)
	cals := func(ctx context.Context, code string) (validate.Calendar, error) { return book.For(ctx, code) }
	aapl := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS}
	for _, tt := range []struct {
		name string
		st   gapStore
		inst market.Instrument
		want string
	}{
		{"two holes, one acknowledged", gapStore{
			bars: []market.Date{20261005, 20261007, 20261009, 20261013},
			acks: []store.Ack{{Source: "yahoo", Symbol: "AAPL", From: 20261012, To: 20261012}},
		}, aapl, "[[2026-10-06 2026-10-06] [2026-10-08 2026-10-08]]"},
		{"nothing stored, no listing date", gapStore{}, aapl, "[[2026-10-05 2026-10-13]]"},
		{"listed after the window starts", gapStore{bars: []market.Date{20261009}},
			market.Instrument{Key: aapl.Key, Market: market.XNYS, Listed: 20261008}, "[[2026-10-08 2026-10-08] [2026-10-12 2026-10-13]]"},
	} {
		got, err := validate.NewGapFinder(tt.st, cals).Find(ctx, tt.inst, 20261005, 20261013)
		if err != nil || fmt.Sprint(got) != tt.want {
			t.Errorf("%s: %v, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}
