package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/store"
)

func newCollectCmd(a *app) *cobra.Command {
	var sel selection
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Bring active instruments up to the last closed session",
		Long: `collect fetches every selected active instrument from its watermark (minus the
restatement window, collector.restatement_sessions) to the last closed session of its
market, and moves the watermark in the same transaction as the bars.

Exit code 0 when every instrument succeeded, 1 when any failed (everything that
succeeded is stored), 2 for usage errors, 130 when interrupted.`,
		Example: `  marketd collect
  marketd collect --source naver --market KOSPI
  marketd collect --source yahoo --symbols AAPL,MSFT`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter, err := sel.filter(cmd.Context(), a, false)
			if err != nil {
				return err
			}
			c, err := a.newCollector(cmd.Context())
			if err != nil {
				return err
			}
			s, err := c.Collect(cmd.Context(), collector.CollectRequest{Filter: filter, Progress: a.progress(),
				Resume: "marketd " + strings.Join(commandLine(cmd), " ")})
			return a.reportRun(s, err)
		},
	}
	sel.flags(cmd, false)
	return cmd
}

// selection is the instrument selection flags collect and backfill share.
type selection struct {
	source, market string
	symbols        []string
	all            bool
}

func (s *selection) flags(cmd *cobra.Command, withAll bool) {
	f := cmd.Flags()
	f.StringVar(&s.source, "source", "", "only this `source`: yahoo or naver")
	f.StringSliceVar(&s.symbols, "symbols", nil, "only these `symbols` (comma-separated)")
	f.StringVar(&s.market, "market", "", "only this `market`: XKRX, one of its boards (KOSPI, KOSDAQ), or XNYS")
	if withAll {
		f.BoolVar(&s.all, "all", false, "every active instrument")
	}
}

// filter checks the flags, then turns a board (--market KOSPI or KOSDAQ)
// into its active instruments' symbols: the collector selects by exchange.
func (s *selection) filter(ctx context.Context, a *app, needOne bool) (collector.Filter, error) {
	var f collector.Filter
	if s.source != "" {
		if err := checkSource(s.source); err != nil {
			return f, err
		}
		f.Source = s.source
	}
	if len(s.symbols) > 0 && s.market != "" {
		return f, usagef("--symbols and --market are exclusive")
	}
	var mc marketChoice
	if s.market != "" {
		var err error
		if mc, err = parseMarket(s.market); err != nil {
			return f, err
		}
		f.Market = mc.code
	}
	for _, sym := range s.symbols {
		f.Symbols = append(f.Symbols, normalizeSymbol(sym))
	}
	if needOne && !s.all && len(f.Symbols) == 0 && f.Market == "" && f.Source == "" {
		return f, usagef("say what to backfill: --symbols, --market, --source or --all")
	}
	if mc.board == "" {
		return f, nil
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return f, err
	}
	insts, err := st.Instruments(ctx, store.InstrumentFilter{Source: f.Source, Market: f.Market, ActiveOnly: true})
	if err != nil {
		return f, err
	}
	for _, in := range insts {
		if mc.has(in) {
			f.Symbols = append(f.Symbols, in.Symbol)
		}
	}
	if len(f.Symbols) == 0 {
		// An empty list would select the whole exchange.
		if f.Source != "" {
			return f, fmt.Errorf("--market %s: %s has no active %s instruments", s.market, f.Source, mc.board)
		}
		return f, fmt.Errorf("--market %s: no active %s instruments", s.market, mc.board)
	}
	return f, nil
}

// progress is a bar when stderr is a terminal, else a log line a minute.
func (a *app) progress() collector.Progress {
	if isTerminal(a.stderr) {
		return collector.NewBar(a.stderr)
	}
	return collector.NewLogProgress(a.log, time.Minute)
}

// errInstrumentsFailed makes the exit code 1 once the summary is printed.
var errInstrumentsFailed = errors.New("some instruments failed (see the summary and marketd status)")

// reportRun prints a run's summary line and turns its outcome into the
// command's error: interrupted (the error says how to resume), failed
// instruments, or nil.
func (a *app) reportRun(s collector.Summary, err error) error {
	if s.Offline() {
		return errors.New(s.String()) // the one line says it all
	}
	if s.ID != 0 {
		writeSummary(a.stdout, "%s", s.String())
	}
	switch {
	case err != nil:
		return err
	case s.Status == store.RunFailed || s.Failed > 0:
		return fmt.Errorf("%s run %d: %d of %d instruments failed: %w", s.Job, s.ID, s.Failed, len(s.Results), errInstrumentsFailed)
	}
	return nil
}

// commandLine is the invocation as typed (command path and flags), for
// the resume hint.
func commandLine(cmd *cobra.Command) []string {
	out := strings.Fields(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "))
	cmd.Flags().Visit(func(f *pflag.Flag) {
		v := f.Value.String()
		if strings.HasSuffix(f.Value.Type(), "Slice") || strings.HasSuffix(f.Value.Type(), "Array") {
			v = strings.Trim(v, "[]")
		}
		out = append(out, "--"+f.Name+"="+v)
	})
	return out
}
