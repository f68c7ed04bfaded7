package market

import "fmt"

// UnregisteredExchangeError is a source's answer for a symbol it serves
// from an exchange the market registry does not list: marketd has neither
// a calendar nor a session time for it, so the user must say which market
// it trades on. Instrument is what the source said about the symbol
// otherwise (its key, type, currency and name).
type UnregisteredExchangeError struct {
	Site       string // the source as a person names it: "Yahoo"
	Exchange   string // the source's code for the exchange
	Instrument Instrument
}

func (e *UnregisteredExchangeError) Error() string {
	return fmt.Sprintf("%s %s: %s's exchange %q is not a market marketd knows", e.Instrument.Source, e.Instrument.Symbol, e.Site, e.Exchange)
}
