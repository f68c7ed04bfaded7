package market

import (
	"fmt"
	"time"
)

// Source names. A symbol is only meaningful together with its source:
// Naver's "005930" and Yahoo's "005930.KS" are two instruments.
const (
	SourceYahoo = "yahoo"
	SourceNaver = "naver"
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
	Currency string // ISO 4217, e.g. KRW, USD; empty until a source tells
	Name     string
	Active   bool
	Listed   Date // first trading date, when known
	Delisted Date // last trading date, when delisted
}

// Market is an exchange whose sessions marketd tracks.
type Market struct {
	Code string // ISO 10383 MIC
	// Location is the exchange's time zone: trading dates are civil dates
	// there, and jobs are scheduled there.
	Location *time.Location
	// Close is the end of the regular session, as a time of day.
	Close time.Duration
	// Settle is when the day's bar stops changing: the end of after-hours
	// trading that the sources fold into the day's figures. A bar fetched
	// before Settle on its own date is provisional.
	Settle time.Duration
	// DailyLimit is the exchange's maximum close-to-close move as a
	// fraction (0.30 on KRX); 0 when the exchange has none.
	DailyLimit float64
}

// Exchange codes.
const (
	XKRX = "XKRX"
	XNYS = "XNYS"
)

// LookupMarket returns the market for a MIC. Boards are accepted as
// aliases of their exchange (KOSPI and KOSDAQ are XKRX; NYSE, NASDAQ and
// US are XNYS, whose calendar NASDAQ shares).
func LookupMarket(code string) (Market, error) {
	switch code {
	case XKRX, BoardKOSPI, BoardKOSDAQ, "KRX":
		loc, err := time.LoadLocation("Asia/Seoul")
		if err != nil {
			return Market{}, fmt.Errorf("market %s: %w", code, err)
		}
		return Market{Code: XKRX, Location: loc, Close: 15*time.Hour + 30*time.Minute, Settle: 20 * time.Hour, DailyLimit: 0.30}, nil
	case XNYS, "NYSE", "NASDAQ", "US":
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			return Market{}, fmt.Errorf("market %s: %w", code, err)
		}
		return Market{Code: XNYS, Location: loc, Close: 16 * time.Hour, Settle: 16 * time.Hour}, nil
	}
	return Market{}, fmt.Errorf("unknown market %q (want XKRX, KOSPI, KOSDAQ or XNYS)", code)
}

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
