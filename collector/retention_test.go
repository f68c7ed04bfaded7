package collector

import (
	"context"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// TestDropExpiredMinutes: with 400 days kept on 2026-12-06, every month
// through 2025-10 is dropped (the oldest date kept is 2025-11-01, whose
// month is kept whole); a second call drops nothing; an oldest date that
// is not in the past is refused.
func TestDropExpiredMinutes(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	key := market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	var bars []market.MinuteBar
	for _, s := range []string{"2025-09-30T19:59:00Z", "2025-10-31T19:59:00Z", "2025-11-03T14:30:00Z", "2026-12-04T20:59:00Z"} {
		at, _ := time.Parse(time.RFC3339, s)
		bars = append(bars, market.MinuteBar{Start: at, Close: market.DecimalFromInt(1)})
	}
	if _, err := st.WriteMinutes(ctx, []store.MinuteWrite{{Key: key, Interval: market.Interval1m, Bars: bars}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	keep400 := func(d market.Date) market.Date { return d.AddDays(-400) }
	res, err := DropExpiredMinutes(ctx, st, now, keep400, discard)
	if err != nil || res.Rows != 2 {
		t.Fatalf("drop: %+v, %v; want 2 rows", res, err)
	}
	got, err := st.MinuteBars(ctx, key, market.Interval1m, time.Time{}, time.Time{})
	if err != nil || len(got) != 2 || !got[0].Start.Equal(bars[2].Start) || !got[1].Start.Equal(bars[3].Start) {
		t.Errorf("kept %+v, %v; want the 2025-11-03 and 2026-12-04 bars", got, err)
	}
	if res, err := DropExpiredMinutes(ctx, st, now, keep400, discard); err != nil || res.Rows != 0 {
		t.Errorf("again: %+v, %v", res, err)
	}
	if _, err := DropExpiredMinutes(ctx, st, now, func(d market.Date) market.Date { return d }, discard); err == nil {
		t.Error("an oldest date of today was accepted")
	}
}
