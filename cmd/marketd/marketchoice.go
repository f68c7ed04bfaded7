package main

import (
	"slices"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// marketChoice is one --market value: an exchange and, for KOSPI or KOSDAQ,
// one board of it. The store and the calendars know exchanges only (the
// boards share XKRX's calendar), so a board narrows the instruments after
// the exchange has selected them.
type marketChoice struct {
	code  string // XKRX or XNYS
	board string // KOSPI or KOSDAQ; empty for the whole exchange
}

// parseMarket reads a --market value. NYSE, NASDAQ and US name XNYS: they
// trade on one calendar.
func parseMarket(v string) (marketChoice, error) {
	up := strings.ToUpper(strings.TrimSpace(v))
	m, err := market.LookupMarket(up)
	if err != nil {
		return marketChoice{}, usagef("--market: %w", err)
	}
	c := marketChoice{code: m.Code}
	if up == market.BoardKOSPI || up == market.BoardKOSDAQ {
		c.board = up
	}
	return c, nil
}

// has reports whether in trades on the chosen exchange and board. An XKRX
// instrument added without a board is on neither KOSPI nor KOSDAQ.
func (c marketChoice) has(in market.Instrument) bool {
	return in.Market == c.code && (c.board == "" || in.Board == c.board)
}

// marketChoices is a --market list; an empty one chooses every market.
type marketChoices []marketChoice

func parseMarkets(vs []string) (marketChoices, error) {
	var cs marketChoices
	for _, v := range vs {
		c, err := parseMarket(v)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// codes returns the exchanges chosen, each once.
func (cs marketChoices) codes() []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.code) {
			out = append(out, c.code)
		}
	}
	return out
}

func (cs marketChoices) has(in market.Instrument) bool {
	return len(cs) == 0 || slices.ContainsFunc(cs, func(c marketChoice) bool { return c.has(in) })
}

// hasExchange reports whether problems about a whole exchange concern the
// choice: a session missing on XKRX is missing on both its boards.
func (cs marketChoices) hasExchange(code string) bool {
	return len(cs) == 0 || slices.ContainsFunc(cs, func(c marketChoice) bool { return c.code == code })
}
