package yahoo

import (
	"errors"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

func TestNewInstrument(t *testing.T) {
	tests := []struct {
		sym, exchange, board string
		wantSymbol           string
		wantMarket           string
		wantBoard            string
	}{
		// Without a market said or a KRX suffix, Yahoo's meta tells.
		{"AAPL", "", "", "AAPL", "", ""},
		{"BRK-B", "", "", "BRK-B", "", ""},
		{"7203.T", "", "", "7203.T", "", ""},
		{"KRW=X", "", "", "KRW=X", "", ""},
		{"005930.KS", "", "", "005930.KS", market.XKRX, market.BoardKOSPI},
		{"373220.KQ", "", "", "373220.KQ", market.XKRX, market.BoardKOSDAQ},
		{"373220", market.XKRX, market.BoardKOSDAQ, "373220.KQ", market.XKRX, market.BoardKOSDAQ},
		{"0193T0", market.XKRX, market.BoardKOSPI, "0193T0.KS", market.XKRX, market.BoardKOSPI},
		// The suffix, not the board said, names the board.
		{"005930.KS", market.XKRX, market.BoardKOSDAQ, "005930.KS", market.XKRX, market.BoardKOSPI},
		// A market said is the user's word on the calendar.
		{"BTC-USD", market.XNYS, "", "BTC-USD", market.XNYS, ""},
		{"7203.T", market.XNYS, "", "7203.T", market.XNYS, ""},
	}
	for _, tt := range tests {
		got, err := NewInstrument(tt.sym, tt.exchange, tt.board)
		want := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: tt.wantSymbol},
			Market: tt.wantMarket, Board: tt.wantBoard, Active: true}
		if err != nil || got != want {
			t.Errorf("NewInstrument(%q, %q, %q) = %+v, %v; want %+v", tt.sym, tt.exchange, tt.board, got, err, want)
		}
	}
}

func TestNewInstrumentRefuses(t *testing.T) {
	tests := []struct {
		sym, exchange, board string
		want                 error
		wantMsg              string
	}{
		{"", "", "", ErrNotSymbol, `yahoo symbol "": not a Yahoo symbol`},
		{"A B", "", "", ErrNotSymbol, `yahoo symbol "A B": not a Yahoo symbol`},
		{"A/B", market.XNYS, "", ErrNotSymbol, `yahoo symbol "A/B": not a Yahoo symbol`},
		{"005930", "", "", ErrNeedsBoard, `yahoo symbol "005930": a KRX code without its board`},
		{"005930", market.XKRX, "", ErrNeedsBoard, `yahoo symbol "005930": a KRX code without its board`},
		{"AAPL", market.XKRX, market.BoardKOSPI, ErrNotKRX, `yahoo symbol "AAPL": not a KRX code or CODE.KS/CODE.KQ`},
	}
	for _, tt := range tests {
		got, err := NewInstrument(tt.sym, tt.exchange, tt.board)
		if !errors.Is(err, tt.want) || err.Error() != tt.wantMsg || got != (market.Instrument{}) {
			t.Errorf("NewInstrument(%q, %q, %q) = %+v, %v; want %q", tt.sym, tt.exchange, tt.board, got, err, tt.wantMsg)
		}
	}
}

func TestKRXCode(t *testing.T) {
	for _, tt := range []struct {
		sym, code, board string
		ok               bool
	}{
		{"005930.KS", "005930", market.BoardKOSPI, true},
		{"0193T0.KQ", "0193T0", market.BoardKOSDAQ, true},
		{"005930", "", "", false},
		{"AAPL", "", "", false},
		{"ABC.KS", "", "", false}, // a KOSPI suffix on something that is not a code
		{"005930.T", "", "", false},
		{".KS", "", "", false},
	} {
		code, board, ok := KRXCode(tt.sym)
		if code != tt.code || board != tt.board || ok != tt.ok {
			t.Errorf("KRXCode(%q) = %q, %q, %t; want %q, %q, %t", tt.sym, code, board, ok, tt.code, tt.board, tt.ok)
		}
	}
}
