package market

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Codes of the markets other packages name in code. Every other market is
// only data: a row below.
const (
	XKRX = "XKRX"
	XNYS = "XNYS"
	// CRYPTO and FX are pseudo-markets with no MIC (ISO 10383 has none for
	// them): crypto pairs trade every day and Yahoo dates their bars in UTC;
	// currency pairs trade around the clock on weekdays and Yahoo dates their
	// bars in London (its meta.exchangeTimezoneName for CCY is Europe/London).
	CRYPTO = "CRYPTO"
	FX     = "FX"
)

// row is one market as data; LookupMarket turns it into a Market.
type row struct {
	code, name          string
	aliases             []string
	zone                string
	open, close         string // HH:MM local
	settle              string // HH:MM local; "" = close
	limit               float64
	exchanges, suffixes []string
	calendar            string
}

// registry returns every market. Adding a market is adding a row here and,
// when no existing calendar fits, a holiday table in package calendar.
// The MICs were checked against the ISO 10383 list: KOSDAQ is XKOS (an alias
// of XKRX, whose calendar it shares), Tokyo is XTKS, Eurex would be XEUR.
//
// It is a function, not a package variable, so that no caller can change the
// table another one reads.
func registry() []row {
	us := []string{"NMS", "NGM", "NCM", "NYQ", "ASE", "PCX", "BTS", "NIM", "SNP", "DJI", "WCB", "NAS", "NYS", "OQB", "PNK"}
	return []row{
		{XNYS, "New York Stock Exchange (and the US exchanges on its calendar: Nasdaq, NYSE American, NYSE Arca, Cboe BZX)",
			[]string{"NYSE", "NASDAQ", "US", "XNAS", "XASE", "ARCX", "BATS"}, "America/New_York", "09:30", "16:00", "", 0, us, nil, "xnys"},
		{XKRX, "Korea Exchange (KOSPI, KOSDAQ)", []string{"KRX", "KOSPI", "KOSDAQ", "XKOS"},
			"Asia/Seoul", "09:00", "15:30", "20:00", 0.30, []string{"KSC", "KOE"}, []string{".KS", ".KQ"}, "xkrx"},
		// OSA: Yahoo dates the Nikkei 225 (^N225) at the Osaka Exchange,
		// JPX's derivatives market, which keeps Tokyo's holidays.
		{"XTKS", "Tokyo Stock Exchange", []string{"JPX", "TSE", "TYO"},
			"Asia/Tokyo", "09:00", "15:30", "", 0, []string{"JPX", "OSA"}, []string{".T"}, "xtks"},
		{"XLON", "London Stock Exchange", []string{"LSE"},
			"Europe/London", "08:00", "16:30", "", 0, []string{"LSE", "IOB"}, []string{".L", ".IL"}, "xlon"},
		{"XETR", "Xetra (Deutsche Börse)", []string{"XETRA"},
			"Europe/Berlin", "09:00", "17:30", "", 0, []string{"GER"}, []string{".DE"}, "xetr"},
		{"XFRA", "Börse Frankfurt", []string{"FRANKFURT", "FWB"},
			"Europe/Berlin", "08:00", "22:00", "", 0, []string{"FRA"}, []string{".F"}, "xetr"},
		{"XPAR", "Euronext Paris", []string{"EPA", "PARIS"},
			"Europe/Paris", "09:00", "17:30", "", 0, []string{"PAR"}, []string{".PA"}, "euronext"},
		{"XAMS", "Euronext Amsterdam", []string{"AMSTERDAM"},
			"Europe/Amsterdam", "09:00", "17:30", "", 0, []string{"AMS"}, []string{".AS"}, "euronext"},
		{"XBRU", "Euronext Brussels", []string{"BRUSSELS"},
			"Europe/Brussels", "09:00", "17:30", "", 0, []string{"BRU"}, []string{".BR"}, "euronext"},
		{"XLIS", "Euronext Lisbon", []string{"LISBON"},
			"Europe/Lisbon", "08:00", "16:30", "", 0, []string{"LIS"}, []string{".LS"}, "euronext"},
		{"XSWX", "SIX Swiss Exchange", []string{"SIX"},
			"Europe/Zurich", "09:00", "17:30", "", 0, []string{"EBS", "VTX"}, []string{".SW"}, "xswx"},
		{"XHKG", "Hong Kong Exchanges and Clearing", []string{"HKEX", "HKSE"},
			"Asia/Hong_Kong", "09:30", "16:00", "", 0, []string{"HKG"}, []string{".HK"}, "xhkg"},
		{"XSHG", "Shanghai Stock Exchange", []string{"SSE"},
			"Asia/Shanghai", "09:30", "15:00", "", 0.10, []string{"SHH"}, []string{".SS"}, "xshg"},
		{"XSHE", "Shenzhen Stock Exchange", []string{"SZSE"},
			"Asia/Shanghai", "09:30", "15:00", "", 0.10, []string{"SHZ"}, []string{".SZ"}, "xshg"},
		{"XTSE", "Toronto Stock Exchange", []string{"TSX"},
			"America/Toronto", "09:30", "16:00", "", 0, []string{"TOR"}, []string{".TO"}, "xtse"},
		{"XTSX", "TSX Venture Exchange", []string{"TSXV"},
			"America/Toronto", "09:30", "16:00", "", 0, []string{"VAN"}, []string{".V"}, "xtse"},
		{"XASX", "Australian Securities Exchange", []string{"ASX"},
			"Australia/Sydney", "10:00", "16:00", "", 0, []string{"ASX"}, []string{".AX"}, "xasx"},
		{"XNSE", "National Stock Exchange of India", []string{"NSE"},
			"Asia/Kolkata", "09:15", "15:30", "", 0, []string{"NSI"}, []string{".NS"}, "xnse"},
		{"XBOM", "BSE (Bombay Stock Exchange)", []string{"BSE"},
			"Asia/Kolkata", "09:15", "15:30", "", 0, []string{"BSE"}, []string{".BO"}, "xnse"},
		{"XTAI", "Taiwan Stock Exchange", []string{"TWSE"},
			"Asia/Taipei", "09:00", "13:30", "", 0.10, []string{"TAI"}, []string{".TW"}, "xtai"},
		{"ROCO", "Taipei Exchange (TPEx)", []string{"TPEX"},
			"Asia/Taipei", "09:00", "13:30", "", 0.10, []string{"TWO"}, []string{".TWO"}, "xtai"},
		{CRYPTO, "Cryptocurrencies (every day, UTC dates)", []string{"CCC"},
			"UTC", "00:00", "24:00", "", 0, []string{"CCC"}, nil, "always"},
		{FX, "Currencies (every weekday, London dates)", []string{"CCY", "FOREX"},
			"Europe/London", "00:00", "24:00", "", 0, []string{"CCY"}, []string{"=X"}, "weekdays"},
	}
}

// Markets returns every registered market, in registry order.
func Markets() ([]Market, error) {
	rows := registry()
	out := make([]Market, 0, len(rows))
	for _, r := range rows {
		m, err := r.market()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// LookupMarket returns the market for a MIC or one of its aliases (KOSPI
// and KOSDAQ are XKRX; NYSE, NASDAQ and US are XNYS; JPX and TSE are XTKS;
// ...), in any letter case.
func LookupMarket(code string) (Market, error) {
	up := strings.ToUpper(strings.TrimSpace(code))
	for _, r := range registry() {
		if r.code == up || slices.Contains(r.aliases, up) {
			return r.market()
		}
	}
	return Market{}, fmt.Errorf("unknown market %q (want a MIC such as XNYS, XKRX, XTKS, XLON or a name such as NYSE, KOSPI, JPX, LSE, XETRA)", code)
}

// MarketOfYahooExchange returns the market of a Yahoo chart
// meta.exchangeName code (NMS, JPX, GER, CCC, ...).
func MarketOfYahooExchange(exchange string) (Market, error) {
	for _, r := range registry() {
		if slices.Contains(r.exchanges, exchange) {
			return r.market()
		}
	}
	return Market{}, fmt.Errorf("unknown Yahoo exchange code %q", exchange)
}

// MarketOfYahooSymbol returns the market a Yahoo symbol's suffix places it
// on (7203.T is XTKS, EURUSD=X is FX). A symbol without a known suffix
// (AAPL, BTC-USD, ^N225) is an error naming it: only Yahoo's meta tells.
func MarketOfYahooSymbol(symbol string) (Market, error) {
	var best row
	bestLen := 0
	for _, r := range registry() {
		for _, s := range r.suffixes {
			// The longest suffix wins: 6488.TWO is on ROCO, not on XTAI (".TW").
			if len(s) > bestLen && len(s) < len(symbol) && strings.HasSuffix(symbol, s) {
				best, bestLen = r, len(s)
			}
		}
	}
	if bestLen == 0 {
		return Market{}, fmt.Errorf("yahoo symbol %q: no market suffix marketd knows", symbol)
	}
	return best.market()
}

func (r row) market() (Market, error) {
	loc, err := time.LoadLocation(r.zone)
	if err != nil {
		return Market{}, fmt.Errorf("market %s: zone %s: %w", r.code, r.zone, err)
	}
	open, err1 := ParseClock(r.open)
	cls, err2 := ParseClock(r.close)
	settle := cls
	var err3 error
	if r.settle != "" {
		settle, err3 = ParseClock(r.settle)
	}
	if err := firstErr(err1, err2, err3); err != nil {
		return Market{}, fmt.Errorf("market %s: %w", r.code, err)
	}
	return Market{
		Code: r.code, Name: r.name, Aliases: slices.Clone(r.aliases), Location: loc,
		Open: open, Close: cls, Settle: settle, DailyLimit: r.limit,
		YahooExchanges: slices.Clone(r.exchanges), YahooSuffixes: slices.Clone(r.suffixes),
		Calendar: r.calendar, WholeTickTypes: wholeTickTypes(r.code),
	}, nil
}

// LimitOf returns the daily price limit of an instrument of the market
// (0: none). Some markets limit boards differently, told apart by the
// code's prefix: Shanghai's STAR Market (688…) and Shenzhen's ChiNext
// (300…, 301…) allow ±20% where their main boards allow ±10%.
func (m Market) LimitOf(symbol string) float64 {
	for _, b := range boardLimits(m.Code) {
		if strings.HasPrefix(symbol, b.prefix) {
			return b.limit
		}
	}
	return m.DailyLimit
}

type boardLimit struct {
	prefix string
	limit  float64
}

func boardLimits(code string) []boardLimit {
	switch code {
	case "XSHG":
		return []boardLimit{{"688", 0.20}}
	case "XSHE":
		return []boardLimit{{"300", 0.20}, {"301", 0.20}}
	}
	return nil
}

// wholeTickTypes returns the instrument types a market quotes in whole
// currency units. KRX's tick sizes are whole won for shares and ETFs (1 to
// 1,000 won by price band) while its indices carry two decimals; Tokyo
// quotes some shares in 0.1 yen, so JPY is not whole either: elsewhere the
// source's precision (Yahoo's priceHint) decides.
func wholeTickTypes(code string) []string {
	switch code {
	case XKRX:
		return []string{TypeEquity, TypeETF}
	}
	return nil
}

// ParseClock reads a time of day "HH:MM" (up to "24:00", the end of a day)
// as the duration since midnight.
func ParseClock(s string) (time.Duration, error) {
	digit := func(i int) int { return int(s[i]) - '0' }
	ok := len(s) == 5 && s[2] == ':'
	for _, i := range []int{0, 1, 3, 4} {
		ok = ok && s[i] >= '0' && s[i] <= '9'
	}
	var hh, mm int
	if ok {
		hh, mm = digit(0)*10+digit(1), digit(3)*10+digit(4)
		ok = mm < 60 && (hh < 24 || hh == 24 && mm == 0)
	}
	if !ok {
		return 0, fmt.Errorf("invalid time of day %q (want HH:MM)", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
