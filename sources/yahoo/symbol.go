package yahoo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// Yahoo spells a KRX code with its board's suffix.
const (
	suffixKOSPI  = ".KS"
	suffixKOSDAQ = ".KQ"
)

// SymbolFor returns Yahoo's spelling of a KRX code listed on board:
// "005930" on KOSPI is "005930.KS", "035720" on KOSDAQ is "035720.KQ".
// Any other board leaves the symbol as it is, so Yahoo symbols such as
// "AAPL", "^KS11" or "WSU.DE" pass through unchanged.
func SymbolFor(code, board string) string {
	var suffix string
	switch strings.ToUpper(strings.TrimSpace(board)) {
	case market.BoardKOSPI:
		suffix = suffixKOSPI
	case market.BoardKOSDAQ:
		suffix = suffixKOSDAQ
	default:
		return code
	}
	if strings.HasSuffix(code, suffix) {
		return code
	}
	return code + suffix
}

// cutBoard returns sym without its KRX board suffix and the board the
// suffix names; board is "" for any other symbol.
func cutBoard(sym string) (rest, board string) {
	if rest, ok := strings.CutSuffix(sym, suffixKOSPI); ok {
		return rest, market.BoardKOSPI
	}
	if rest, ok := strings.CutSuffix(sym, suffixKOSDAQ); ok {
		return rest, market.BoardKOSDAQ
	}
	return sym, ""
}

// KRXCode returns the KRX code and board a Yahoo symbol spells:
// "005930.KS" is 005930 on KOSPI. ok is false for any other symbol.
func KRXCode(sym string) (code, board string, ok bool) {
	code, board = cutBoard(sym)
	if board == "" || !market.IsKRXCode(code) {
		return "", "", false
	}
	return code, board, true
}

// Why NewInstrument refuses a symbol. The caller knows how its user says
// which market a symbol trades on, so it words the remedy.
var (
	ErrNotSymbol = errors.New("not a Yahoo symbol")
	// ErrNeedsBoard: a bare KRX code, which Yahoo spells CODE.KS on KOSPI
	// and CODE.KQ on KOSDAQ.
	ErrNeedsBoard = errors.New("a KRX code without its board")
	// ErrNotKRX: XKRX was said, but the symbol is neither a KRX code nor
	// CODE.KS/CODE.KQ.
	ErrNotKRX = errors.New("not a KRX code or CODE.KS/CODE.KQ")
)

// NewInstrument returns the active Yahoo instrument for sym, an upper-case
// symbol as a user typed it. exchange (a MIC) and board, either of which
// may be empty, are what the user said it trades on. A KRX code with a
// board becomes CODE.KS or CODE.KQ; a symbol with a KRX suffix is on XKRX
// and that board; with exchange said, anything else trades on that
// exchange's calendar. Otherwise Market is left empty: Yahoo's chart meta
// tells (Classify), not the spelling.
func NewInstrument(sym, exchange, board string) (market.Instrument, error) {
	in := market.Instrument{Active: true, Market: exchange, Board: board}
	fail := func(err error) (market.Instrument, error) {
		return market.Instrument{}, fmt.Errorf("yahoo symbol %q: %w", sym, err)
	}
	if sym == "" || strings.ContainsAny(sym, " \t/,") {
		return fail(ErrNotSymbol)
	}
	if _, b := cutBoard(sym); exchange == market.XKRX && b == "" {
		if !market.IsKRXCode(sym) {
			return fail(ErrNotKRX)
		}
		if board == "" {
			return fail(ErrNeedsBoard)
		}
		sym = SymbolFor(sym, board)
	}
	switch _, b := cutBoard(sym); {
	case b != "":
		in.Market, in.Board = market.XKRX, b
	case in.Market != "": // the user said which calendar it trades on
	case market.IsKRXCode(sym):
		return fail(ErrNeedsBoard)
	}
	in.Key = market.Key{Source: market.SourceYahoo, Symbol: sym}
	return in, nil
}
