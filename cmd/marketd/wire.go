package main

import (
	"context"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/collector"
)

// wire returns the command's wiring (config.Wiring), opening (and
// migrating) the store on first use.
func (a *app) wire(ctx context.Context) (*config.Wiring, error) {
	if a.wiring != nil {
		return a.wiring, nil
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return nil, err
	}
	a.wiring = config.NewWiring(a.cfg, st, a.log, a.now)
	return a.wiring, nil
}

// newCollector is the command's collector.
func (a *app) newCollector(ctx context.Context) (*collector.Collector, error) {
	w, err := a.wire(ctx)
	if err != nil {
		return nil, err
	}
	return w.Collector()
}
