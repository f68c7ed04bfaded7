package yahoo

import "encoding/json"

// The chart API's response, decoded with encoding/json into pointer and
// slice-of-pointer fields so that a JSON null stays distinguishable from a
// zero: Yahoo sends null for any value it lacks, and a null price is
// missing data, never a price of 0.

type envelope struct {
	Chart struct {
		Result []*chartResult `json:"result"`
		Error  *chartError    `json:"error"`
	} `json:"chart"`
}

type chartError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

type chartResult struct {
	Meta       chartMeta   `json:"meta"`
	Timestamp  []*int64    `json:"timestamp"`
	Events     chartEvents `json:"events"`
	Indicators struct {
		Quote    []quote `json:"quote"`
		AdjClose []struct {
			AdjClose []*float64 `json:"adjclose"`
		} `json:"adjclose"`
	} `json:"indicators"`
}

type chartMeta struct {
	Currency string `json:"currency"`
	Symbol   string `json:"symbol"`
	// ExchangeName is Yahoo's exchange code (NMS, GER, KSC, CCC, ...), which
	// the market registry maps to a market; InstrumentType is EQUITY, ETF,
	// INDEX, MUTUALFUND, CURRENCY, CRYPTOCURRENCY or FUTURE.
	ExchangeName   string `json:"exchangeName"`
	InstrumentType string `json:"instrumentType"`
	LongName       string `json:"longName"`
	ShortName      string `json:"shortName"`
	// ExchangeTimezoneName is the IANA zone that turns timestamps into
	// trading dates. gmtoffset is deliberately not decoded: it is the
	// offset at request time and wrong for bars across a DST change.
	ExchangeTimezoneName string `json:"exchangeTimezoneName"`
	PriceHint            *int   `json:"priceHint"`
	CurrentTradingPeriod struct {
		Pre     tradingPeriod `json:"pre"`
		Regular tradingPeriod `json:"regular"`
		Post    tradingPeriod `json:"post"`
	} `json:"currentTradingPeriod"`
	// DataGranularity is the interval of the bars ("1d", "1m", "60m").
	DataGranularity string `json:"dataGranularity"`
	// TradingPeriods lists intraday responses' sessions; its form depends
	// on includePrePost (see periods), so it is decoded only there.
	TradingPeriods json.RawMessage `json:"tradingPeriods"`
}

type tradingPeriod struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// quote holds the bar columns. Volume is decoded as a float because Yahoo
// sometimes writes whole numbers in exponent form; it is checked and
// converted to an integer later.
type quote struct {
	Open   []*float64 `json:"open"`
	High   []*float64 `json:"high"`
	Low    []*float64 `json:"low"`
	Close  []*float64 `json:"close"`
	Volume []*float64 `json:"volume"`
}

// chartEvents are keyed by the event's timestamp as a string.
type chartEvents struct {
	Dividends map[string]dividendEvent `json:"dividends"`
	Splits    map[string]splitEvent    `json:"splits"`
}

type dividendEvent struct {
	Amount *float64 `json:"amount"`
	Date   int64    `json:"date"`
}

type splitEvent struct {
	Date        int64    `json:"date"`
	Numerator   *float64 `json:"numerator"`
	Denominator *float64 `json:"denominator"`
}
