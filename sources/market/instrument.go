package market

import (
	"slices"
	"time"
)

// Source names. A symbol is only meaningful together with its source:
// Naver's "005930" and Yahoo's "005930.KS" are two instruments.
const (
	SourceYahoo = "yahoo"
	SourceNaver = "naver"
)

// Instrument types, spelled as Yahoo's chart meta.instrumentType spells
// them: what a price's precision and a market's tick rule depend on.
const (
	TypeEquity         = "EQUITY"
	TypeETF            = "ETF"
	TypeIndex          = "INDEX"
	TypeMutualFund     = "MUTUALFUND"
	TypeCurrency       = "CURRENCY"
	TypeCryptocurrency = "CRYPTOCURRENCY"
	TypeFuture         = "FUTURE"
)

// Key identifies an instrument: a symbol as one source spells it.
// Symbols are strings; KRX codes are six characters and may hold letters
// ("0193T0"), so they are never parsed as integers.
type Key struct {
	Source string
	Symbol string
}

func (k Key) String() string { return k.Source + ":" + k.Symbol }

// Instrument is a symbol marketd collects, with what the collector and the
// validator need to know about it.
type Instrument struct {
	Key
	Market   string // exchange MIC: XKRX, XNYS
	Board    string // KOSPI or KOSDAQ for XKRX; empty elsewhere
	Type     string // one of the Type constants; empty until a source tells
	Currency string // ISO 4217, e.g. KRW, USD; empty until a source tells
	Name     string
	// Intraday is the intraday interval collected besides the daily bars
	// (1m, 5m or 60m); 0 when minute bars are off, the default.
	Intraday Interval
	Active   bool
	Listed   Date // first trading date, when known
	Delisted Date // last trading date, when delisted
}

// Market is an exchange whose sessions marketd tracks: one row of the
// registry (registry.go).
type Market struct {
	Code    string // ISO 10383 MIC, or CRYPTO / FX for the pseudo-markets
	Name    string
	Aliases []string // other names LookupMarket accepts: boards, acronyms
	// Location is the exchange's time zone: trading dates are civil dates
	// there, and jobs are scheduled there.
	Location *time.Location
	// Open and Close bound today's regular session, as times of day; the
	// calendar has the hours of each past day, early closes included.
	Open, Close time.Duration
	// Settle is when the day's bar stops changing: the end of after-hours
	// trading that the sources fold into the day's figures. A bar fetched
	// before Settle on its own date is provisional.
	Settle time.Duration
	// DailyLimit is the exchange's maximum close-to-close move as a
	// fraction (0.30 on KRX); 0 when the exchange has none.
	DailyLimit float64
	// YahooExchanges are Yahoo's chart meta.exchangeName codes of the
	// market; YahooSuffixes the symbol suffixes (".T") that place a Yahoo
	// symbol on it.
	YahooExchanges []string
	YahooSuffixes  []string
	// Calendar names the session calendar (package calendar's table);
	// markets that share an exchange's holidays share its calendar.
	Calendar string
	// WholeTickTypes are the instrument types (TypeEquity, ...) whose
	// tick is a whole currency unit on this market: their prices have no
	// decimals whatever a source's display precision says.
	WholeTickTypes []string
}

// WholeTick reports whether instruments of type typ trade in whole
// currency units on m (KRX shares and ETFs; never an index).
func (m Market) WholeTick(typ string) bool { return slices.Contains(m.WholeTickTypes, typ) }

// Today returns the current civil date at the exchange.
func (m Market) Today(now time.Time) Date { return DateOf(now.In(m.Location)) }

// Settled reports whether the bar for date d no longer changes at now:
// d is before the exchange's current date, or it is that date and the
// settle time has passed.
func (m Market) Settled(d Date, now time.Time) bool {
	local := now.In(m.Location)
	today := DateOf(local)
	if d != today {
		return d < today
	}
	return local.Sub(d.In(m.Location)) >= m.Settle
}
