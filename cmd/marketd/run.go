package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector/schedule"
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
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			sigs := make(chan os.Signal, 4)
			signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
			defer signal.Stop(sigs)
			return a.runDaemon(cmd.Context(), sigs, nil)
		},
	}
}

// runDaemon runs the daemon until ctx ends or sigs delivers SIGTERM or
// SIGINT, loading the configuration again on SIGHUP (daemon.Serve). ready,
// when set, is called once the daemon runs (tests drive it through it).
func (a *app) runDaemon(ctx context.Context, sigs <-chan os.Signal, ready func(*daemon.Daemon)) error {
	unlock, err := a.cfg.Database.LockDaemon()
	if err != nil {
		return err
	}
	defer unlock()
	st, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	d, err := daemon.New(ctx, a.cfg, daemon.Deps{
		Store: st, Build: daemon.Wired(st, a.log, a.now), Log: a.log, Version: a.build.Version,
		Database: a.cfg.Database.Name(), Now: a.now, Service: daemon.Systemd{},
	})
	if errors.Is(err, schedule.ErrInvalidJob) {
		return cli.Usage(err)
	}
	if err != nil {
		return err
	}
	return daemon.Serve(ctx, d, sigs, func() (config.Config, error) {
		next := *a
		err := next.setup()
		return next.cfg, err
	}, ready)
}
