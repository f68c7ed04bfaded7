package naver

import (
	"errors"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

// Why NewInstrument refuses a symbol. The caller words the remedy.
var (
	ErrNotCode = errors.New("not a KRX code")
	ErrNotXKRX = errors.New("naver has Korean (XKRX) instruments only")
)

// NewInstrument returns the active Naver instrument for code, an
// upper-case KRX code as a user typed it. exchange and board, either of
// which may be empty, are what the user said it trades on: Naver lists
// XKRX alone.
func NewInstrument(code, exchange, board string) (market.Instrument, error) {
	if exchange != "" && exchange != market.XKRX {
		return market.Instrument{}, fmt.Errorf("naver symbol %q on %s: %w", code, exchange, ErrNotXKRX)
	}
	if !market.IsKRXCode(code) {
		return market.Instrument{}, fmt.Errorf("naver symbol %q: %w", code, ErrNotCode)
	}
	return market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Market: market.XKRX, Board: board, Active: true}, nil
}

// checkInstrument returns the code of a Naver instrument.
func checkInstrument(inst market.Instrument) (string, error) {
	if inst.Source != market.SourceNaver {
		return "", fmt.Errorf("naver: instrument %s is not a Naver instrument", inst.Key)
	}
	if !market.IsKRXCode(inst.Symbol) {
		return "", fmt.Errorf("naver: invalid KRX code %q: want 6 digits or upper-case letters, the first a digit", inst.Symbol)
	}
	return inst.Symbol, nil
}
