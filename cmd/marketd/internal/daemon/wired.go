package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

// Wired is the Build of a daemon on st: each configuration wired as
// config.Wiring does for a command, its validate job the scheduled
// validation (self-repair and mail on, the configured lookback).
func Wired(st *store.Store, log *slog.Logger, now func() time.Time) func(context.Context, config.Config) (*Generation, error) {
	return func(_ context.Context, cfg config.Config) (*Generation, error) {
		w := config.NewWiring(cfg, st, log, now)
		c, err := w.Collector()
		if err != nil {
			return nil, err
		}
		return &Generation{
			Config: cfg, Collector: c, Calendars: cfg.Book(st), Pools: w.Pools,
			Quotes: map[string]collector.QuotePoller{market.SourceNaver: w.NaverSource()},
			Validate: func(ctx context.Context) (*validate.Report, error) {
				run, err := w.Validation(config.Validation{Lookback: cfg.Validate.Lookback, Repair: true, Email: true})
				if err != nil {
					return nil, err
				}
				return run.Do(ctx)
			},
		}, nil
	}
}
