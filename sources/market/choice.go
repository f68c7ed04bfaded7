package market

import (
	"slices"
	"strings"
)

// Choice is a market a user named (--market): an exchange and, for KOSPI
// or KOSDAQ, one board of it. The store and the calendars know exchanges
// only (the boards share XKRX's calendar), so a board narrows the
// instruments after the exchange has selected them.
type Choice struct {
	Code  string // the exchange's MIC: XKRX, XNYS
	Board string // KOSPI or KOSDAQ; empty for the whole exchange
}

// ParseChoice reads a market as a user names it: any MIC or name of the
// registry, in any case. NYSE, NASDAQ and US name XNYS: they trade on one
// calendar.
func ParseChoice(v string) (Choice, error) {
	up := strings.ToUpper(strings.TrimSpace(v))
	m, err := LookupMarket(up)
	if err != nil {
		return Choice{}, err
	}
	c := Choice{Code: m.Code}
	if up == BoardKOSPI || up == BoardKOSDAQ {
		c.Board = up
	}
	return c, nil
}

// Has reports whether in trades on the chosen exchange and board. An XKRX
// instrument added without a board is on neither KOSPI nor KOSDAQ.
func (c Choice) Has(in Instrument) bool {
	return in.Market == c.Code && (c.Board == "" || in.Board == c.Board)
}

// Choices is a list of chosen markets; an empty one chooses every market.
type Choices []Choice

// ParseChoices reads each of vs with ParseChoice.
func ParseChoices(vs []string) (Choices, error) {
	var cs Choices
	for _, v := range vs {
		c, err := ParseChoice(v)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// Codes returns the exchanges chosen, each once.
func (cs Choices) Codes() []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}

// Has reports whether in trades on one of the chosen markets.
func (cs Choices) Has(in Instrument) bool {
	return len(cs) == 0 || slices.ContainsFunc(cs, func(c Choice) bool { return c.Has(in) })
}

// HasExchange reports whether problems about a whole exchange concern the
// choice: a session missing on XKRX is missing on both its boards.
func (cs Choices) HasExchange(code string) bool {
	return len(cs) == 0 || slices.ContainsFunc(cs, func(c Choice) bool { return c.Code == code })
}
