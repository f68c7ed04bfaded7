package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// testScanBarsOf reads the same bars through both plans (a key range per
// symbol for a short window, runs of symbols for a long one) and checks
// they give exactly the asked symbols' bars, in order, as stored.
func testScanBarsOf(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c := func(micros int64) market.Decimal {
		return market.Decimal(micros) * market.DecimalFromInt(1) / 1_000_000
	}
	var writes []store.Write
	for _, sym := range []string{"AAA", "BBB", "CCC", "DDD"} {
		w := store.Write{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}}
		for i, d := range []market.Date{20240131, 20240229, 20240315, 20260105} {
			b := market.Bar{Date: d, Open: market.Some(c(1_500_000)), High: market.Some(c(2_250_000)),
				Low: market.Some(c(1_000_001)), Close: c(2_000_000 + int64(i)), Volume: market.Some(int64(1000 + i))}
			if sym == "BBB" && i == 1 {
				b = market.Bar{Date: d, Close: c(123_456_789), Halted: true} // NULL open/high/low/volume
			}
			w.Bars = append(w.Bars, b)
		}
		writes = append(writes, w)
	}
	// Another source's bars are never read.
	writes = append(writes, store.Write{Key: market.Key{Source: market.SourceNaver, Symbol: "BBB"},
		Bars: []market.Bar{{Date: 20240229, Close: c(1_000_000)}}})
	if _, err := s.Write(ctx, writes); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		from, to market.Date
		want     []string
	}{
		{"short window", 20240201, 20240315, []string{
			"BBB 2024-02-29 o- h- l- c123.456789 v- halted",
			"BBB 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
			"DDD 2024-02-29 o1.5 h2.25 l1.000001 c2.000001 v1001",
			"DDD 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
		}},
		{"long window", 20200101, 20260105, []string{
			"BBB 2024-01-31 o1.5 h2.25 l1.000001 c2 v1000",
			"BBB 2024-02-29 o- h- l- c123.456789 v- halted",
			"BBB 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
			"BBB 2026-01-05 o1.5 h2.25 l1.000001 c2.000003 v1003",
			"DDD 2024-01-31 o1.5 h2.25 l1.000001 c2 v1000",
			"DDD 2024-02-29 o1.5 h2.25 l1.000001 c2.000001 v1001",
			"DDD 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
			"DDD 2026-01-05 o1.5 h2.25 l1.000001 c2.000003 v1003",
		}},
		{"unbounded", 0, 0, []string{
			"BBB 2024-01-31 o1.5 h2.25 l1.000001 c2 v1000",
			"BBB 2024-02-29 o- h- l- c123.456789 v- halted",
			"BBB 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
			"BBB 2026-01-05 o1.5 h2.25 l1.000001 c2.000003 v1003",
			"DDD 2024-01-31 o1.5 h2.25 l1.000001 c2 v1000",
			"DDD 2024-02-29 o1.5 h2.25 l1.000001 c2.000001 v1001",
			"DDD 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
			"DDD 2026-01-05 o1.5 h2.25 l1.000001 c2.000003 v1003",
		}},
		{"from only", 20240301, 0, []string{
			"BBB 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
			"BBB 2026-01-05 o1.5 h2.25 l1.000001 c2.000003 v1003",
			"DDD 2024-03-15 o1.5 h2.25 l1.000001 c2.000002 v1002",
			"DDD 2026-01-05 o1.5 h2.25 l1.000001 c2.000003 v1003",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			// CCC lies between the asked symbols: the long plan reads it and must skip it.
			err := s.ScanBarsOf(ctx, market.SourceYahoo, []string{"DDD", "BBB", "ZZZ", "BBB"}, tt.from, tt.to, func(k market.Key, b market.Bar) error {
				if k.Source != market.SourceYahoo {
					t.Errorf("bar of %s", k)
				}
				got = append(got, describe(k, b))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("bars:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	t.Run("stops at fn's error", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		err := s.ScanBarsOf(ctx, market.SourceYahoo, []string{"AAA", "BBB"}, 20200101, 20260105, func(market.Key, market.Bar) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("err = %v after %d bars, want %v after 1", err, n, stop)
		}
	})
}

// testScanBarsOfManyBatches reads symbols spread over several batches,
// read concurrently, and checks they arrive in order, each bar once.
func testScanBarsOfManyBatches(t *testing.T, s *store.Store) {
	ctx := context.Background()
	dates := []market.Date{20240102, 20240103, 20240104}
	var writes []store.Write
	var syms []string
	for i := range 700 {
		sym := fmt.Sprintf("S%03d", i)
		syms = append(syms, sym)
		w := store.Write{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}}
		for j, d := range dates {
			w.Bars = append(w.Bars, market.Bar{Date: d, Close: market.Decimal(1_000_000 + i*10 + j)})
		}
		writes = append(writes, w)
	}
	if _, err := s.Write(ctx, writes); err != nil {
		t.Fatal(err)
	}
	for _, window := range [][2]market.Date{{20240101, 20240131}, {20100101, 20240131}} {
		var n int
		err := s.ScanBarsOf(ctx, market.SourceYahoo, syms, window[0], window[1], func(k market.Key, b market.Bar) error {
			i, j := n/len(dates), n%len(dates)
			if k.Symbol != syms[i] || b.Date != dates[j] || b.Close != market.Decimal(1_000_000+i*10+j) {
				return fmt.Errorf("bar %d is %s %s %s, want %s %s", n, k.Symbol, b.Date, b.Close, syms[i], dates[j])
			}
			n++
			return nil
		})
		if err != nil || n != len(syms)*len(dates) {
			t.Errorf("window %v: %d bars, %v; want %d", window, n, err, len(syms)*len(dates))
		}
		// Stopping in the middle leaves no reader behind (the race
		// detector and the next test's connections would tell).
		stop := errors.New("enough")
		n = 0
		err = s.ScanBarsOf(ctx, market.SourceYahoo, syms, window[0], window[1], func(market.Key, market.Bar) error {
			if n++; n == 1000 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Errorf("window %v: stopped scan returned %v", window, err)
		}
		// Neither does a cancelled context, which ends batches early.
		cctx, cancel := context.WithCancel(ctx)
		n = 0
		err = s.ScanBarsOf(cctx, market.SourceYahoo, syms, window[0], window[1], func(market.Key, market.Bar) error {
			if n++; n == 1000 {
				cancel()
			}
			return nil
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("window %v: cancelled scan returned %v after %d bars", window, err, n)
		}
	}
}

func describe(k market.Key, b market.Bar) string {
	opt := func(d sql.Null[market.Decimal]) string {
		if !d.Valid {
			return "-"
		}
		return d.V.String()
	}
	vol := "-"
	if b.Volume.Valid {
		vol = fmt.Sprint(b.Volume.V)
	}
	s := fmt.Sprintf("%s %s o%s h%s l%s c%s v%s", k.Symbol, b.Date, opt(b.Open), opt(b.High), opt(b.Low), b.Close, vol)
	if b.Halted {
		s += " halted"
	}
	return s
}
