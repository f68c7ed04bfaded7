package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/store"
)

// app is what every command works with. It is built per invocation and
// passed explicitly; commands get the store from openStore.
type app struct {
	stdout, stderr io.Writer
	environ        []string
	build          cli.BuildInfo
	now            func() time.Time

	// Global flags.
	configPath string
	logLevel   string
	sets       []string

	cfg   config.Config
	log   *slog.Logger
	store *store.Store
	// wiring is what the configuration builds on the store (app.wire).
	wiring *config.Wiring
	// journal reads a systemd unit's journal (notify --unit-failed).
	journal func(ctx context.Context, unit string, lines int) (string, error)
}

// run executes one marketd command line and returns its exit code.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, environ: environ, build: cli.CurrentBuild(version, commit, date), now: time.Now, journal: daemon.ReadJournal}
	return a.execute(ctx, args)
}

// execute runs one command line on a.
func (a *app) execute(ctx context.Context, args []string) int {
	stdout, stderr := a.stdout, a.stderr
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.store != nil {
		if cerr := a.store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the database: %w", cerr)
		}
	}
	if err != nil {
		cli.WriteError(stderr, err, a.cfg.Database.Password())
	}
	return cli.ExitCode(err, collector.ErrInterrupted)
}

// setup loads the configuration and makes the logger. Commands that need
// neither (version) skip it.
func (a *app) setup() error { return a.setupWith(config.Load) }

// setupWith is setup loading the configuration with load.
func (a *app) setupWith(load func(config.Options) (config.Config, error)) error {
	overrides, err := config.ParseSets(a.sets)
	if err != nil {
		return cli.Usage(err)
	}
	if a.logLevel != "" {
		overrides["log_level"] = a.logLevel
	}
	cfg, err := load(config.Options{Path: a.configPath, Environ: a.environ, Overrides: overrides})
	if err != nil {
		return cli.Usage(err)
	}
	a.cfg = cfg
	a.log = cli.NewLogger(a.stderr, cfg.LogLevel)
	return nil
}

// writeSummary prints a command's one-line summary.
func writeSummary(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format+"\n", args...)
}
