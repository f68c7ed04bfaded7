package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// closes returns n 1m bars from start, close alone.
func closes(t testing.TB, start string, n int) []market.MinuteBar {
	out := make([]market.MinuteBar, n)
	for i := range out {
		out[i] = market.MinuteBar{Start: minute(t, start).Add(time.Duration(i) * time.Minute), Close: dec(t, "100")}
	}
	return out
}

// testMinuteCounts: bars per date in the exchange's zone, at its
// midnights (Seoul, Kolkata's half-hour offset, New York across a DST
// change), other series and dates outside the range left out.
func testMinuteCounts(t *testing.T, s *store.Store) {
	ctx := context.Background()
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	seoul, kolkata, newYork := zone("Asia/Seoul"), zone("Asia/Kolkata"), zone("America/New_York")
	var krx []market.MinuteBar
	krx = append(krx, closes(t, "2026-01-04T14:59:00Z", 1)...)   // 23:59 KST on 01-04
	krx = append(krx, closes(t, "2026-01-05T00:00:00Z", 390)...) // the 01-05 session
	krx = append(krx, closes(t, "2026-01-05T15:00:00Z", 2)...)   // 00:00 and 00:01 KST on 01-06
	krx = append(krx, closes(t, "2026-01-07T00:00:00Z", 17)...)
	nse := append(closes(t, "2026-01-05T18:29:00Z", 1), closes(t, "2026-01-05T18:30:00Z", 3)...) // 23:59 IST, then 01-06
	// 2026-03-06 (EST, 14:30 UTC) and 2026-03-09 (EDT, 13:30 UTC), 20
	// bars each; New York midnight moves from 05:00 to 04:00 UTC.
	us := append(closes(t, "2026-03-06T14:30:00Z", 20), closes(t, "2026-03-09T13:30:00Z", 20)...)
	us = append(us, closes(t, "2026-03-10T04:00:00Z", 1)...) // 00:00 EDT on 03-10
	writeMinutes(t, s,
		store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: krx},
		store.MinuteWrite{Key: samsung, Interval: market.Interval5m, Bars: closes(t, "2026-01-05T00:00:00Z", 5)},
		store.MinuteWrite{Key: market.Key{Source: market.SourceYahoo, Symbol: "RELIANCE.NS"}, Interval: market.Interval1m, Bars: nse},
		store.MinuteWrite{Key: aapl, Interval: market.Interval1m, Bars: us},
	)
	count := func(k market.Key, iv market.Interval, loc *time.Location, from, to market.Date) string {
		t.Helper()
		got, err := s.MinuteCounts(ctx, k, iv, loc, from, to)
		if err != nil {
			t.Fatalf("MinuteCounts(%s %s %s..%s): %v", k, iv, from, to, err)
		}
		return fmt.Sprint(got)
	}
	for _, tt := range []struct {
		name     string
		key      market.Key
		iv       market.Interval
		loc      *time.Location
		from, to market.Date
		want     string
	}{
		{"seoul", samsung, market.Interval1m, seoul, 20260101, 20260131, "map[2026-01-04:1 2026-01-05:390 2026-01-06:2 2026-01-07:17]"},
		{"seoul one day", samsung, market.Interval1m, seoul, 20260105, 20260105, "map[2026-01-05:390]"},
		{"seoul in utc", samsung, market.Interval1m, time.UTC, 20260105, 20260106, "map[2026-01-05:392]"},
		{"5m", samsung, market.Interval5m, seoul, 20260101, 20260131, "map[2026-01-05:5]"},
		{"60m none", samsung, market.Interval60m, seoul, 20260101, 20260131, "map[]"},
		{"kolkata", market.Key{Source: market.SourceYahoo, Symbol: "RELIANCE.NS"}, market.Interval1m, kolkata, 20260105, 20260106, "map[2026-01-05:1 2026-01-06:3]"},
		{"new york dst", aapl, market.Interval1m, newYork, 20260301, 20260331, "map[2026-03-06:20 2026-03-09:20 2026-03-10:1]"},
		{"nothing stored", market.Key{Source: market.SourceNaver, Symbol: "000660"}, market.Interval1m, seoul, 20260101, 20260131, "map[]"},
	} {
		if got := count(tt.key, tt.iv, tt.loc, tt.from, tt.to); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	for _, bad := range []struct {
		iv       market.Interval
		loc      *time.Location
		from, to market.Date
	}{
		{market.Interval1d, seoul, 20260101, 20260131},
		{market.Interval1m, nil, 20260101, 20260131},
		{market.Interval1m, seoul, 20260131, 20260101},
		{market.Interval1m, seoul, 0, 20260101},
	} {
		if _, err := s.MinuteCounts(ctx, samsung, bad.iv, bad.loc, bad.from, bad.to); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("MinuteCounts(%s, %v, %s..%s): %v, want ErrInvalid", bad.iv, bad.loc, bad.from, bad.to, err)
		}
	}
}
