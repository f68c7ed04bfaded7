package main

import (
	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/sources/market"
)

// parseMarket reads a --market value.
func parseMarket(v string) (market.Choice, error) {
	c, err := market.ParseChoice(v)
	if err != nil {
		return c, cli.Usagef("--market: %w", err)
	}
	return c, nil
}

// parseMarkets reads a --market list.
func parseMarkets(vs []string) (market.Choices, error) {
	cs, err := market.ParseChoices(vs)
	if err != nil {
		return nil, cli.Usagef("--market: %w", err)
	}
	return cs, nil
}
