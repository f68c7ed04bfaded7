package store

import (
	"database/sql"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

func TestDecimalScanner(t *testing.T) {
	tests := []struct {
		in   any
		want sql.Null[market.Decimal]
	}{
		{nil, sql.Null[market.Decimal]{}},
		{[]byte("129.04000000"), market.Some(market.Decimal(12_904_000_000))},
		{"275000", market.Some(market.Decimal(27_500_000_000_000))},
		{"-0.00000001", market.Some(market.Decimal(-1))},
		{"1380.5599", market.Some(market.Decimal(138_055_990_000))},
		{int64(7), market.Some(market.Decimal(700_000_000))},
		{float64(129.04), market.Some(market.Decimal(12_904_000_000))},
	}
	for _, tt := range tests {
		var got sql.Null[market.Decimal]
		if err := (decimalScanner{&got}).Scan(tt.in); err != nil {
			t.Errorf("Scan(%v): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Scan(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	var d sql.Null[market.Decimal]
	for _, bad := range []any{"12a", true, "1.000000001"} {
		if err := (decimalScanner{&d}).Scan(bad); err == nil {
			t.Errorf("Scan(%v) succeeded, want an error", bad)
		}
	}
}

func TestDateScanner(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	tests := []struct {
		in   any
		want market.Date
	}{
		{nil, 0},
		{"2026-09-29", 20260929},
		{[]byte("2026-09-29"), 20260929},
		// A driver loc other than UTC yields midnight there: same civil date.
		{time.Date(2026, 9, 29, 0, 0, 0, 0, seoul), 20260929},
		{time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC), 20260929},
		{"2026-09-29 00:00:00", 20260929},
	}
	for _, tt := range tests {
		var got market.Date = 1
		if err := (dateScanner{&got}).Scan(tt.in); err != nil {
			t.Errorf("Scan(%v): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Scan(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestTimeScanner(t *testing.T) {
	want := time.Date(2026, 9, 29, 6, 40, 0, 123456000, time.UTC)
	for _, in := range []any{
		want,
		want.In(time.FixedZone("KST", 9*3600)),
		"2026-09-29 06:40:00.123456+00:00",
		"2026-09-29 06:40:00.123456 +0000 UTC",
		[]byte("2026-09-29T06:40:00.123456Z"),
		"2026-09-29 06:40:00.123456",
	} {
		var got time.Time
		if err := (timeScanner{&got}).Scan(in); err != nil {
			t.Errorf("Scan(%v): %v", in, err)
			continue
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Scan(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key  market.Key
		want bool
	}{
		{market.Key{Source: "naver", Symbol: "0193T0"}, true},
		{market.Key{Source: "yahoo", Symbol: "005930.KS"}, true},
		{market.Key{Source: "yahoo", Symbol: "BRK-B"}, true},
		{market.Key{Source: "yahoo", Symbol: "^GSPC"}, true},
		{market.Key{Source: "yahoo", Symbol: "EURUSD=X"}, true},
		{market.Key{Source: "yahoo", Symbol: ""}, false},
		{market.Key{Source: "", Symbol: "AAPL"}, false},
		{market.Key{Source: "yahoo", Symbol: "A'B"}, false},
		{market.Key{Source: "yahoo", Symbol: `A\B`}, false},
		{market.Key{Source: "yahoo", Symbol: "A B"}, false},
		{market.Key{Source: "yahoo", Symbol: "삼성"}, false},
		{market.Key{Source: "yahoo", Symbol: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"}, false},
	}
	for _, tt := range tests {
		if got := validKey(tt.key); got != tt.want {
			t.Errorf("validKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestBarLiteral(t *testing.T) {
	bar := market.Bar{Date: 20260929, Open: market.Some(market.DecimalFromInt(84_000)), Close: market.DecimalFromInt(12_904) / 100,
		Volume: market.Some[int64](12), Halted: true}
	now := time.Date(2026, 9, 29, 7, 0, 0, 5000, time.UTC)
	k := market.Key{Source: "naver", Symbol: "0193T0"}
	tests := []struct {
		quote bool
		want  string
	}{
		{false, "('naver', '0193T0', '2026-09-29', 84000, NULL, NULL, 129.04, NULL, 12, true, false, '2026-09-29 07:00:00.000005')"},
		{true, "('naver', '0193T0', '2026-09-29', '84000', NULL, NULL, '129.04', NULL, 12, true, false, '2026-09-29 07:00:00.000005')"},
	}
	for _, tt := range tests {
		s := &Store{d: Dialect{QuoteDecimals: tt.quote}}
		if got := string(s.barLiteral(nil, k, bar, false, now)); got != tt.want {
			t.Errorf("barLiteral(quote=%v) =\n %s\nwant\n %s", tt.quote, got, tt.want)
		}
	}
}

func TestDateBytes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want market.Date
		err  bool
	}{
		{"2016-03-07", market.NewDate(2016, 3, 7), false},
		{"2024-02-29", market.NewDate(2024, 2, 29), false},
		{"2026-12-31T00:00:00Z", market.NewDate(2026, 12, 31), false},
		{"2023-02-29", 0, true},
		{"2026-04-31", 0, true},
		{"2026-13-01", 0, true},
		{"20260301", 0, true},
	} {
		got, err := dateBytes([]byte(tt.in))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("dateBytes(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
