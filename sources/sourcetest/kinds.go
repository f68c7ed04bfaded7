package sourcetest

import (
	"slices"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// kind is what a Yahoo symbol is in the simulated market: its market, the
// chart meta Yahoo sends for such symbols, and how it trades.
type kind struct {
	mic                    string
	exchange, fullExchange string // meta.exchangeName, meta.fullExchangeName
	instrumentType         string // meta.instrumentType
	currency               string
	priceHint              int // meta.priceHint: the precision Yahoo serves
	decimals               int // the traded precision
	// stamp is when Yahoo stamps the daily bar, local time of day: the
	// session open, midnight for crypto (UTC) and currencies (London).
	stamp time.Duration
	// pre and post bound currentTradingPeriod's pre and post market; equal
	// to the open and close where there is none.
	pre, post time.Duration
	prePost   bool
	// The first price is lo plus up to span ticks.
	lo, span int64
}

// cryptoQuotes are the currencies a crypto pair is quoted in (BTC-USD).
var cryptoQuotes = []string{"USD", "USDT", "EUR", "GBP", "JPY", "KRW", "BTC", "ETH"}

// exchangeKinds are the listed equities of the markets the simulator
// serves beyond New York and Seoul: Yahoo's codes and currency for each.
var exchangeKinds = map[string]kind{
	"XTKS": {exchange: "JPX", fullExchange: "Tokyo", currency: "JPY", lo: 500, span: 9_500},
	"XLON": {exchange: "LSE", fullExchange: "LSE", currency: "GBp", decimals: 2, lo: 5_000, span: 500_000},
	"XETR": {exchange: "GER", fullExchange: "XETRA", currency: "EUR", decimals: 2, lo: 1_000, span: 30_000},
	"XPAR": {exchange: "PAR", fullExchange: "Paris", currency: "EUR", decimals: 2, lo: 1_000, span: 30_000},
	"XAMS": {exchange: "AMS", fullExchange: "Amsterdam", currency: "EUR", decimals: 2, lo: 1_000, span: 30_000},
	"XSWX": {exchange: "EBS", fullExchange: "Swiss", currency: "CHF", decimals: 2, lo: 1_000, span: 30_000},
	"XHKG": {exchange: "HKG", fullExchange: "HKSE", currency: "HKD", decimals: 2, lo: 100, span: 50_000},
	"XSHG": {exchange: "SHH", fullExchange: "Shanghai", currency: "CNY", decimals: 2, lo: 300, span: 20_000},
	"XSHE": {exchange: "SHZ", fullExchange: "Shenzhen", currency: "CNY", decimals: 2, lo: 300, span: 20_000},
	"XTSE": {exchange: "TOR", fullExchange: "Toronto", currency: "CAD", decimals: 2, lo: 1_000, span: 20_000},
	"XASX": {exchange: "ASX", fullExchange: "ASX", currency: "AUD", decimals: 2, lo: 100, span: 20_000},
	"XNSE": {exchange: "NSI", fullExchange: "NSE", currency: "INR", decimals: 2, lo: 10_000, span: 500_000},
	"XTAI": {exchange: "TAI", fullExchange: "Taiwan", currency: "TWD", decimals: 2, lo: 1_000, span: 100_000},
}

// indexKinds are the indices served on markets other than New York.
var indexKinds = map[string]kind{
	"^N225":  {mic: "XTKS", exchange: "OSA", fullExchange: "Osaka", currency: "JPY"},
	"^KS11":  {mic: market.XKRX, exchange: "KSC", fullExchange: "KSE", currency: "KRW"},
	"^FTSE":  {mic: "XLON", exchange: "FGI", fullExchange: "FTSE Index", currency: "GBP"},
	"^GDAXI": {mic: "XETR", exchange: "GER", fullExchange: "XETRA", currency: "EUR"},
}

// yahooKind classifies a Yahoo symbol other than a KRX share; false for a
// symbol the simulator cannot place (it answers 404).
func yahooKind(sym string) (kind, bool) {
	switch {
	case strings.HasSuffix(sym, "=X"):
		// EURUSD=X is quoted in USD; KRW=X is USD/KRW, quoted in KRW.
		pair := strings.TrimSuffix(sym, "=X")
		if (len(pair) != 6 && len(pair) != 3) || !upperLetters(pair) {
			return kind{}, false
		}
		return kind{mic: market.FX, exchange: "CCY", fullExchange: "CCY", instrumentType: "CURRENCY",
			currency: pair[len(pair)-3:], priceHint: 4, decimals: 4, lo: 5_000, span: 15_000}, true
	case strings.HasPrefix(sym, "^"):
		k, ok := indexKinds[sym]
		if !ok {
			if !validTicker(sym) {
				return kind{}, false
			}
			k = kind{mic: market.XNYS, exchange: "SNP", fullExchange: "SNP", currency: "USD"}
		}
		k.instrumentType, k.priceHint, k.decimals, k.lo, k.span = "INDEX", 2, 2, 100_000, 4_000_000
		return k, true
	}
	if base, quote, ok := cutLast(sym, "-"); ok && len(base) >= 2 && upperLetters(base) && slices.Contains(cryptoQuotes, quote) {
		return kind{mic: market.CRYPTO, exchange: "CCC", fullExchange: "CCC", instrumentType: "CRYPTOCURRENCY",
			currency: quote, priceHint: 2, decimals: 2, lo: 1_000, span: 6_000_000}, true
	}
	if m, err := market.MarketOfYahooSymbol(sym); err == nil {
		k, ok := exchangeKinds[m.Code]
		if !ok || !localCode(strings.TrimSuffix(sym, suffixOf(sym))) {
			return kind{}, false
		}
		k.mic, k.instrumentType, k.priceHint = m.Code, "EQUITY", 2
		return k, true
	}
	if !validTicker(sym) {
		return kind{}, false
	}
	return kind{mic: market.XNYS, exchange: "NMS", fullExchange: "NasdaqGS", instrumentType: "EQUITY", currency: "USD",
		priceHint: 2, decimals: 2, pre: 4 * time.Hour, post: 20 * time.Hour, prePost: true, lo: 2_000, span: 48_000}, true
}

// krxKind is a KRX share's kind: Yahoo's KSC or KOE, in whole won.
func krxKind(board string) kind {
	k := kind{mic: market.XKRX, exchange: "KSC", fullExchange: "KSE", instrumentType: "EQUITY", currency: "KRW",
		priceHint: 2, pre: 8*time.Hour + 30*time.Minute, post: 18 * time.Hour}
	if board == market.BoardKOSDAQ {
		k.exchange, k.fullExchange = "KOE", "KOSDAQ"
	}
	return k
}

// suffixOf returns the ".T" of "7203.T".
func suffixOf(sym string) string {
	if i := strings.LastIndexByte(sym, '.'); i > 0 {
		return sym[i:]
	}
	return ""
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func upperLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// localCode reports whether s can be an exchange's own code before a
// Yahoo suffix: "7203", "VOD", "BRK-B".
func localCode(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return s != "" && len(s) <= 12
}
