package yahoo

import "strings"

// SymbolFor returns Yahoo's spelling of a KRX code listed on board:
// "005930" on KOSPI is "005930.KS", "035720" on KOSDAQ is "035720.KQ".
// Any other board leaves the symbol as it is, so Yahoo symbols such as
// "AAPL", "^KS11" or "WSU.DE" pass through unchanged.
func SymbolFor(code, board string) string {
	var suffix string
	switch strings.ToUpper(strings.TrimSpace(board)) {
	case "KOSPI":
		suffix = ".KS"
	case "KOSDAQ":
		suffix = ".KQ"
	default:
		return code
	}
	if strings.HasSuffix(code, suffix) {
		return code
	}
	return code + suffix
}
