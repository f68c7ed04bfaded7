package market_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

func TestCheckSymbol(t *testing.T) {
	for _, tt := range []struct {
		in, want string // want "" = valid
	}{
		{"AAPL", ""},
		{"005930.KS", ""},
		{"0193T0", ""},
		{"^GSPC", ""},
		{"EURUSD=X", ""},
		{"BRK-B", ""},
		{strings.Repeat("A", 32), ""},
		{"", "invalid symbol: empty"},
		{strings.Repeat("A", 33), `invalid symbol "` + strings.Repeat("A", 33) + `"…: 33 bytes long, at most 32`},
		{strings.Repeat("B", 80), `invalid symbol "` + strings.Repeat("B", 40) + `"…: 80 bytes long, at most 32`},
		{"AB\x01C", `invalid symbol "AB\x01C": control character at byte 2`},
		{"AB\x7f", `invalid symbol "AB\x7f": control character at byte 2`},
		{"ÄBC", `invalid symbol "ÄBC": not ASCII`},
		{"A B", `invalid symbol "A B": ' ' is not allowed (want A-Z a-z 0-9 .-_^=&/+)`},
		{"A'B", `invalid symbol "A'B": '\'' is not allowed (want A-Z a-z 0-9 .-_^=&/+)`},
	} {
		err := market.CheckSymbol(tt.in)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckSymbol(%q) = %v, want nil", tt.in, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want || !errors.Is(err, market.ErrInvalidSymbol) {
			t.Errorf("CheckSymbol(%q) = %v, want %s (wrapping ErrInvalidSymbol)", tt.in, err, tt.want)
		}
	}
}

func TestNormalizeSymbols(t *testing.T) {
	got := market.NormalizeSymbols([]string{" aapl", "", "005930", "AAPL", "brk-b "})
	if want := []string{"AAPL", "005930", "BRK-B"}; !slices.Equal(got, want) {
		t.Errorf("NormalizeSymbols = %q, want %q", got, want)
	}
}

func TestParseSymbols(t *testing.T) {
	got, err := market.ParseSymbols([]string{" aapl", "brk-b"})
	if err != nil || !slices.Equal(got, []string{"AAPL", "BRK-B"}) {
		t.Errorf("ParseSymbols = %q, %v", got, err)
	}
	if _, err := market.ParseSymbols([]string{}); err == nil || err.Error() != "the list is empty" {
		t.Errorf("ParseSymbols(empty) = %v", err)
	}
	if _, err := market.ParseSymbols([]string{"AAPL", "A;B"}); !errors.Is(err, market.ErrInvalidSymbol) {
		t.Errorf("ParseSymbols(A;B) = %v, want ErrInvalidSymbol", err)
	}
}
