package naver

import (
	"errors"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

func TestNewInstrument(t *testing.T) {
	for _, tt := range []struct{ code, exchange, board string }{
		{"005930", "", ""},
		{"005930", market.XKRX, market.BoardKOSPI},
		{"0193T0", market.XKRX, market.BoardKOSDAQ},
	} {
		got, err := NewInstrument(tt.code, tt.exchange, tt.board)
		want := market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: tt.code}, Market: market.XKRX, Board: tt.board, Active: true}
		if err != nil || got != want {
			t.Errorf("NewInstrument(%q, %q, %q) = %+v, %v; want %+v", tt.code, tt.exchange, tt.board, got, err, want)
		}
	}
	for _, tt := range []struct {
		code, exchange string
		want           error
		wantMsg        string
	}{
		{"00593", "", ErrNotCode, `naver symbol "00593": not a KRX code`},
		{"005930.KS", market.XKRX, ErrNotCode, `naver symbol "005930.KS": not a KRX code`},
		{"005930", market.XNYS, ErrNotXKRX, `naver symbol "005930" on XNYS: naver has Korean (XKRX) instruments only`},
	} {
		got, err := NewInstrument(tt.code, tt.exchange, "")
		if !errors.Is(err, tt.want) || err.Error() != tt.wantMsg || got != (market.Instrument{}) {
			t.Errorf("NewInstrument(%q, %q) = %+v, %v; want %q", tt.code, tt.exchange, got, err, tt.wantMsg)
		}
	}
}
