package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store/sqlite"
	"github.com/marketd/marketd/validate"
)

func newRunCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: scheduled collection and validation, health and metrics",
		Long: `run is the long-running daemon. It runs the jobs of schedule.jobs on their cron
schedules in their markets' time zones (a job named "validate" validates, "live-…" polls
live quotes through the session, "intraday-…" archives minute bars, "intraday-retention"
drops old ones, the others collect their source and market), catches up at start any job that missed its last
slot, and serves /healthz, /readyz and /metrics on http.listen.

Signals: SIGTERM or SIGINT stops taking jobs, lets a running job finish for up to
schedule.shutdown_timeout (then cancels it and records it interrupted) and exits 0.
SIGHUP reloads the configuration (jobs, schedules, sources, rates, validation,
calendar overrides, email); an invalid one is logged and the running one kept. database, http.listen and the
schedule.leader_*/shutdown_timeout settings take effect on restart.

Several daemons may share one MySQL database: each scheduled slot runs once.

With notify.ping_url (or a job's ping_url) every scheduled run pings a heartbeat check:
URL/start, then URL or URL/fail. Under systemd (Type=notify) it sends READY=1 once running
and, when WatchdogSec= is set, WATCHDOG=1 while its scheduler loop ticks and the database
answers.`,
		Example: `  marketd run
  marketd --config /etc/marketd/marketd.yaml run
  kill -HUP "$(pidof marketd)"    # reload the configuration`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			sigs := make(chan os.Signal, 4)
			signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
			defer signal.Stop(sigs)
			return a.runDaemon(cmd.Context(), sigs, nil)
		},
	}
}

// runDaemon runs the daemon until ctx ends or sigs delivers SIGTERM or
// SIGINT, reloading the configuration on SIGHUP. ready, when set, is called
// once the daemon runs (tests drive it through it). A clean stop returns nil.
func (a *app) runDaemon(ctx context.Context, sigs <-chan os.Signal, ready func(*daemon.Daemon)) error {
	if a.cfg.Database.Scheme() == config.SchemeSQLite {
		unlock, err := sqlite.LockDaemon(a.cfg.Database.SQLitePath())
		if err != nil {
			return err
		}
		defer unlock()
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	host, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	d, err := daemon.New(ctx, a.cfg, daemon.Deps{
		Store: st, Build: a.generation, Log: a.log, Host: host, Version: a.build.Version,
		Database: a.databaseName(), Now: a.now, Service: daemon.Systemd{},
	})
	if errors.Is(err, schedule.ErrInvalidJob) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	select {
	case <-d.Ready():
		if ready != nil {
			ready(d)
		}
	case err := <-done:
		return err
	}
	for {
		select {
		case err := <-done:
			return err
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				a.reload(ctx, d)
				continue
			}
			a.log.Info("stopping", "signal", sig.String())
			stop()
			return <-done
		}
	}
}

// generation wires a configuration for the daemon's jobs, on the
// process's store.
func (a *app) generation(_ context.Context, cfg config.Config) (*daemon.Generation, error) {
	w := newWiring(cfg, a.store, a.log, a.now)
	c, err := w.collector()
	if err != nil {
		return nil, err
	}
	return &daemon.Generation{
		Config: cfg, Collector: c, Calendars: book(cfg, a.store), Pools: w.pools,
		Quotes: map[string]collector.QuotePoller{market.SourceNaver: w.naverSource()},
		Validate: func(ctx context.Context) (*validate.Report, error) {
			run, err := w.validation(validation{lookback: cfg.Validate.Lookback, repair: true, email: true})
			if err != nil {
				return nil, err
			}
			return run.Do(ctx)
		},
	}, nil
}

// reload loads the configuration again the way start-up did (same file,
// environment and flags) and hands it to the daemon. Anything wrong leaves
// the running configuration in place.
func (a *app) reload(ctx context.Context, d *daemon.Daemon) {
	next := *a
	if err := next.setup(); err != nil {
		a.log.Error("configuration reload rejected; keeping the running one", "err", d.Config().Redact(err))
		return
	}
	if err := d.Reload(ctx, next.cfg); err != nil {
		a.log.Error("configuration reload rejected; keeping the running one", "err", err)
	}
}
