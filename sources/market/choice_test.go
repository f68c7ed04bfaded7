package market

import (
	"slices"
	"testing"
)

func TestParseChoice(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Choice
	}{
		{"kospi", Choice{Code: XKRX, Board: BoardKOSPI}},
		{" KOSDAQ ", Choice{Code: XKRX, Board: BoardKOSDAQ}},
		{"XKRX", Choice{Code: XKRX}},
		{"nasdaq", Choice{Code: XNYS}},
		{"JPX", Choice{Code: "XTKS"}},
	} {
		if got, err := ParseChoice(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseChoice(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseChoices([]string{"XNYS", "MOON"}); err == nil {
		t.Error("ParseChoices accepted MOON")
	}
}

func TestChoices(t *testing.T) {
	kospi := Instrument{Key: Key{Source: SourceNaver, Symbol: "005930"}, Market: XKRX, Board: BoardKOSPI}
	noBoard := Instrument{Key: Key{Source: SourceNaver, Symbol: "000660"}, Market: XKRX}
	us := Instrument{Key: Key{Source: SourceYahoo, Symbol: "AAPL"}, Market: XNYS}
	cs, err := ParseChoices([]string{"KOSPI", "XKRX", "KOSDAQ"})
	if err != nil {
		t.Fatal(err)
	}
	if got := cs.Codes(); !slices.Equal(got, []string{XKRX}) {
		t.Errorf("Codes = %v, want [XKRX]", got)
	}
	board := Choices{{Code: XKRX, Board: BoardKOSDAQ}}
	for _, tt := range []struct {
		cs   Choices
		in   Instrument
		want bool
	}{
		{nil, us, true},
		{cs, kospi, true},
		{cs, us, false},
		{board, kospi, false},
		{board, noBoard, false}, // a board chooses only what is known to be on it
		{Choices{{Code: XKRX}}, noBoard, true},
	} {
		if got := tt.cs.Has(tt.in); got != tt.want {
			t.Errorf("%+v.Has(%s) = %v, want %v", tt.cs, tt.in.Key, got, tt.want)
		}
	}
	if !board.HasExchange(XKRX) || board.HasExchange(XNYS) || !Choices(nil).HasExchange(XNYS) {
		t.Error("HasExchange: a board's exchange is chosen, another is not, and no choice chooses all")
	}
}
