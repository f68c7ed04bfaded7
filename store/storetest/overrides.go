package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

// testDeleteCalendarOverride deletes one market's date and leaves the same
// date of another market, and the market's other dates, alone.
func testDeleteCalendarOverride(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for _, o := range []calendar.MarketOverride{
		{Market: market.XKRX, Override: calendar.Override{Date: 20260603, Reason: "local election"}},
		{Market: market.XKRX, Override: calendar.Override{Date: 20261009, Open: true, Reason: "traded after all"}},
		{Market: market.XNYS, Override: calendar.Override{Date: 20260603, Reason: "storm"}},
	} {
		if err := s.SetCalendarOverride(ctx, o.Market, o.Override); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		mkt  string
		d    market.Date
		want bool
	}{
		{market.XKRX, 20260603, true},
		{market.XKRX, 20260603, false}, // already gone
		{market.XKRX, 20260604, false}, // never stored
	} {
		got, err := s.DeleteCalendarOverride(ctx, tt.mkt, tt.d)
		if err != nil || got != tt.want {
			t.Errorf("DeleteCalendarOverride(%s, %s) = %v, %v; want %v", tt.mkt, tt.d, got, err, tt.want)
		}
	}
	for mkt, want := range map[string]string{
		market.XKRX: "[{2026-10-09 true traded after all}]",
		market.XNYS: "[{2026-06-03 false storm}]",
	} {
		got, err := s.CalendarOverrides(ctx, mkt)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("%s overrides after the delete: %v, %v; want %s", mkt, got, err, want)
		}
	}
}
