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
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/yahoo"
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
			s, err := c.Collect(cmd.Context(), collector.CollectRequest{Filter: filter, Progress: a.progress()})
			return a.reportRun(s, err, "marketd "+strings.Join(commandLine(cmd), " "))
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
		sym = normalizeSymbol(sym)
		if err := market.CheckSymbol(sym); err != nil {
			return f, usagef("--symbols: %w", err)
		}
		f.Symbols = append(f.Symbols, sym)
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

// newCollector wires the collector: one source per configured site over
// the app's HTTP pools (per-host limits), the store and the calendars.
func (a *app) newCollector(ctx context.Context) (*collector.Collector, error) {
	st, err := a.openStore(ctx, true)
	if err != nil {
		return nil, err
	}
	cals := a.calendars(st)
	p := a.sourcePools()
	ycfg, ncfg := a.cfg.Sources.Yahoo, a.cfg.Sources.Naver
	sources := map[string]collector.Source{
		market.SourceYahoo: yahoo.New(yahoo.Config{BaseURL: ycfg.BaseURL}, p.yahoo.Client()),
		market.SourceNaver: a.naverSource(),
	}
	return collector.New(collector.Config{
		RestatementSessions: a.cfg.Collector.RestatementSessions,
		InitialHistory:      a.cfg.Collector.InitialHistory.Before,
		Sources: map[string]collector.SourceConfig{
			market.SourceYahoo: {Workers: ycfg.Workers, Rate: ycfg.Limit()},
			// Naver sends no split events: a rewritten overlap reveals them.
			market.SourceNaver: {Workers: ncfg.Workers, Rate: ncfg.Limit(), PollingBatch: ncfg.PollingBatch, CompareOverlap: true},
		},
	}, collector.Deps{
		Sources:   sources,
		Store:     st,
		Calendars: func(code string) (collector.Calendar, error) { return cals(code) },
		Log:       a.log,
		Stats: func() map[string]httpx.Stats {
			return map[string]httpx.Stats{market.SourceYahoo: p.yahoo.Total(), market.SourceNaver: p.naver.Total()}
		},
	})
}

// naverSource is the Naver source over the app's naver pool.
func (a *app) naverSource() *naver.Source {
	n := a.cfg.Sources.Naver
	return naver.New(naver.Config{FChartURL: n.FchartURL, APIURL: n.APIURL, PollingURL: n.PollingURL,
		MobileURL: n.MobileURL, PollingBatch: n.PollingBatch}, a.sourcePools().naver.Client())
}

// sourcePools holds one httpx pool per source. Every collector the process
// builds from one configuration (the daemon's jobs, validate's repairs)
// shares them, so a host's rate limit holds across all of them, and the
// metrics read their counters.
type sourcePools struct {
	yahoo, naver *httpx.Pool
}

// sourcePools returns the app's pools, built from its configuration on
// first use. The daemon builds them before any job can run, so concurrent
// jobs only read them.
func (a *app) sourcePools() *sourcePools {
	if a.pools == nil {
		a.pools = &sourcePools{
			yahoo: httpx.NewPool(a.cfg.Sources.Yahoo.HTTPX(), nil),
			naver: httpx.NewPool(a.cfg.Sources.Naver.HTTPX(), nil),
		}
	}
	return a.pools
}

// bySource returns the pools keyed by source name.
func (p *sourcePools) bySource() map[string]*httpx.Pool {
	return map[string]*httpx.Pool{market.SourceYahoo: p.yahoo, market.SourceNaver: p.naver}
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
// command's error: interrupted (with how to resume), failed instruments,
// or nil.
func (a *app) reportRun(s collector.Summary, err error, resume string) error {
	if s.ID != 0 {
		writeSummary(a.stdout, "%s", s.String())
	}
	switch {
	case errors.Is(err, collector.ErrInterrupted):
		fmt.Fprintf(a.stderr, "interrupted; committed work is kept. To resume, run again: %s\n", resume)
		return err
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
