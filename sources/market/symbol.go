package market

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxSymbolLen is the longest symbol any source spells: Yahoo's longest
// (index and currency tickers such as "^GSPC" or "EURUSD=X") are well
// under it, and the stores' symbol columns hold exactly this many bytes.
const MaxSymbolLen = 32

// symbolPunct is the punctuation exchange and vendor symbols use ("005930.KS",
// "BRK-B", "^GSPC", "EURUSD=X"): nothing that could end a quoted SQL string
// or a CSV field.
const symbolPunct = ".-_^=&/+"

// ErrInvalidSymbol marks a symbol (or source name) no source can have. It is
// the caller's mistake, not the database's: the command line maps it to a
// usage error.
var ErrInvalidSymbol = errors.New("invalid symbol")

// CheckSymbol reports why s cannot be a symbol, naming s and the rule it
// breaks; nil when s is 1 to MaxSymbolLen bytes of A-Z a-z 0-9 and
// symbolPunct.
func CheckSymbol(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty", ErrInvalidSymbol)
	case len(s) > MaxSymbolLen:
		return fmt.Errorf("%w %.40q…: %d bytes long, at most %d", ErrInvalidSymbol, s, len(s), MaxSymbolLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(symbolPunct, c) >= 0:
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%w %q: control character at byte %d", ErrInvalidSymbol, s, i)
		case c >= utf8.RuneSelf:
			return fmt.Errorf("%w %q: not ASCII", ErrInvalidSymbol, s)
		default:
			return fmt.Errorf("%w %q: %q is not allowed (want A-Z a-z 0-9 %s)", ErrInvalidSymbol, s, c, symbolPunct)
		}
	}
	return nil
}

// NormalizeSymbol upper-cases a symbol as a user typed it: both sites
// spell symbols in capitals, and "aapl" stored beside "AAPL" would be one
// stock twice.
func NormalizeSymbol(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// NormalizeSymbols normalizes each of raw, leaving out empty ones and
// repeats, in the order given.
func NormalizeSymbols(raw []string) []string {
	var out []string
	for _, s := range raw {
		if s = NormalizeSymbol(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ParseSymbols normalizes a list of symbols a user gave and refuses an
// empty list (an empty --symbols is not "every instrument") and the first
// symbol no source can have (wrapping ErrInvalidSymbol).
func ParseSymbols(raw []string) ([]string, error) {
	if len(raw) == 0 {
		return nil, errors.New("the list is empty")
	}
	out := make([]string, len(raw))
	for i, s := range raw {
		out[i] = NormalizeSymbol(s)
		if err := CheckSymbol(out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
