package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// testScanActions reads one source's actions over a range of ex-dates,
// ordered by symbol, date then kind, and leaves the other source's alone.
func testScanActions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	dec := func(v string) market.Decimal {
		d, err := market.ParseDecimal(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	div := func(d market.Date, amt string) market.Action {
		return market.Action{Date: d, Kind: market.Dividend, Amount: dec(amt)}
	}
	split := func(d market.Date, num, den string) market.Action {
		return market.Action{Date: d, Kind: market.Split, Numerator: dec(num), Denominator: dec(den)}
	}
	msft := market.Key{Source: market.SourceYahoo, Symbol: "MSFT"}
	aapl := market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	sams := market.Key{Source: market.SourceNaver, Symbol: "005930"}
	if _, err := s.Write(ctx, []store.Write{
		{Key: msft, Actions: []market.Action{div(20200819, "0.51"), div(20201118, "0.56")}},
		{Key: aapl, Actions: []market.Action{
			div(20200807, "0.205"), div(20200831, "0.82"), split(20200831, "4", "1"), div(20201106, "0.205"),
		}},
		{Key: sams, Actions: []market.Action{split(20180504, "50", "1"), div(20201229, "361")}},
	}); err != nil {
		t.Fatal(err)
	}
	read := func(source string, from, to market.Date) string {
		t.Helper()
		var sb strings.Builder
		err := s.ScanActions(ctx, source, from, to, func(k market.Key, a market.Action) error {
			fmt.Fprintf(&sb, "%s %s %s %s %s/%s\n", k, a.Date, a.Kind, a.Amount, a.Numerator, a.Denominator)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return sb.String()
	}
	for _, tt := range []struct {
		name     string
		source   string
		from, to market.Date
		want     string
	}{
		{"range", market.SourceYahoo, 20200819, 20201106,
			"yahoo:AAPL 2020-08-31 dividend 0.82 0/0\n" +
				"yahoo:AAPL 2020-08-31 split 0 4/1\n" +
				"yahoo:AAPL 2020-11-06 dividend 0.205 0/0\n" +
				"yahoo:MSFT 2020-08-19 dividend 0.51 0/0\n"},
		{"every date", market.SourceNaver, 10000101, 99991231,
			"naver:005930 2018-05-04 split 0 50/1\n" +
				"naver:005930 2020-12-29 dividend 361 0/0\n"},
		{"empty", market.SourceYahoo, 20210101, 99991231, ""},
	} {
		if got := read(tt.source, tt.from, tt.to); got != tt.want {
			t.Errorf("%s: got\n%swant\n%s", tt.name, got, tt.want)
		}
	}

	stop := errors.New("stop")
	n := 0
	err := s.ScanActions(ctx, market.SourceYahoo, 10000101, 99991231, func(market.Key, market.Action) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn's error: got %v after %d calls, want %v after 1", err, n, stop)
	}
}

func testActions(t *testing.T, s *store.Store) {
	acts := []market.Action{
		{Date: date(t, "2020-08-31"), Kind: market.Split, Numerator: dec(t, "4"), Denominator: dec(t, "1")},
		{Date: date(t, "2024-02-09"), Kind: market.Dividend, Amount: dec(t, "0.24")},
		{Date: date(t, "2024-05-10"), Kind: market.Dividend, Amount: dec(t, "0.25")},
	}
	write(t, s, store.Write{Key: aapl, Actions: acts})
	write(t, s, store.Write{Key: aapl, Actions: acts[1:]})
	got, err := s.Actions(context.Background(), aapl, date(t, "2020-01-01"), date(t, "2024-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "actions", got, acts[:2])
}
