package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

func newCalendarCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Show exchange calendars and correct them without a release",
		Example: `  marketd calendar show XKRX --year 2026
  marketd calendar close XKRX 2026-12-29 --reason "temporary holiday"
  marketd calendar overrides XKRX
  marketd calendar reset XKRX 2026-12-29`,
		Args: cli.Args(cobra.NoArgs),
		RunE: cli.WhichCommand,
	}
	cmd.AddCommand(newCalendarShowCmd(a), newCalendarSetCmd(a, false), newCalendarSetCmd(a, true),
		newCalendarOverridesCmd(a), newCalendarResetCmd(a))
	return cmd
}

func newCalendarShowCmd(a *app) *cobra.Command {
	var year int
	cmd := &cobra.Command{
		Use:   "show [MARKET]",
		Short: "List a year's sessions and closures; without MARKET, the markets there are",
		Example: `  marketd calendar show
  marketd calendar show XKRX --year 2026
  marketd calendar show JPX`,
		Args: cli.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return calendar.WriteMarkets(a.stdout)
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			cal, err := a.cfg.Book(st).For(cmd.Context(), strings.ToUpper(args[0]))
			if err != nil {
				return cli.Usagef("%v", err)
			}
			given := cmd.Flags().Changed("year")
			if !given {
				year = market.DateOf(a.now()).Year()
			}
			if err := cal.CheckYear(year); err != nil {
				if given {
					return cli.Usagef("--year %d: %w", year, err)
				}
				return cli.Usagef("this year, %d: %w; show a year of the table with --year", year, err)
			}
			y, err := calendar.YearOf(cal, year)
			if err != nil {
				return err
			}
			return y.WriteText(a.stdout)
		},
	}
	cmd.Flags().IntVar(&year, "year", 0, "`year` to show (default: this year)")
	return cmd
}

func newCalendarOverridesCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "overrides [MARKET]",
		Short: "List the calendar overrides, from the configuration file and the database",
		Example: `  marketd calendar overrides
  marketd calendar overrides XKRX`,
		Args: cli.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var mics []string
			if len(args) == 1 {
				m, err := market.LookupMarket(strings.ToUpper(args[0]))
				if err != nil {
					return cli.Usagef("%v", err)
				}
				mics = []string{m.Code}
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			l, err := a.cfg.Book(st).List(cmd.Context(), mics)
			if err != nil {
				return err
			}
			if err := l.WriteText(a.stdout); err != nil {
				return err
			}
			writeSummary(a.stderr, "%s", l.Summary())
			return nil
		},
	}
}

func newCalendarResetCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "reset MARKET DATE",
		Short: "Delete a stored calendar override: the date follows the calendar (and the configuration file) again",
		Example: `  marketd calendar close XKRX 2026-12-29 --reason "temporary holiday"
  marketd calendar reset XKRX 2026-12-29`,
		Args: cli.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, d, err := marketDateArgs(args)
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			was, now, err := a.cfg.Book(st).Reset(cmd.Context(), st, m.Code, d)
			switch {
			case errors.Is(err, calendar.ErrConfiguredOnly):
				return cli.Usagef("%s %s is overridden in the configuration file (%s), not the database: edit its calendar_overrides to remove it",
					m.Code, d, config.File(a.configPath))
			case errors.Is(err, calendar.ErrNotStored):
				return cli.Usagef("%s %s has no stored calendar override (see marketd calendar overrides %s)", m.Code, d, m.Code)
			case err != nil:
				return err
			}
			writeSummary(a.stdout, "%s %s override removed (was %s: %s); now %s", m.Code, d, calendar.OpenOrClosed(was.Open), was.Reason, now)
			return nil
		},
	}
}

func newCalendarSetCmd(a *app, open bool) *cobra.Command {
	verb, what := "close", "closed"
	example := `  marketd calendar close XKRX 2026-12-29 --reason "temporary holiday"`
	if open {
		verb, what = "open", "open"
		example = `  marketd calendar open XNYS 2026-11-26 --reason "traded after all"
  marketd calendar reset XNYS 2026-11-26    # undo it`
	}
	var reason string
	cmd := &cobra.Command{
		Use:     verb + " MARKET DATE",
		Short:   fmt.Sprintf("Record that a market is %s on a date (stored in the database)", what),
		Example: example,
		Args:    cli.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, d, err := marketDateArgs(args)
			if err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return cli.Usagef("--reason is required: say why the calendar is wrong")
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			err = a.cfg.Book(st).Set(cmd.Context(), st, m.Code, calendar.Override{Date: d, Open: open, Reason: reason})
			if refused := (*calendar.RefusedError)(nil); errors.As(err, &refused) {
				return cli.Usage(err)
			}
			if err != nil {
				return err
			}
			writeSummary(a.stdout, "%s %s recorded as %s (%s)", m.Code, d, what, reason)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

// marketDateArgs reads MARKET DATE.
func marketDateArgs(args []string) (market.Market, market.Date, error) {
	m, err := market.LookupMarket(strings.ToUpper(args[0]))
	if err != nil {
		return market.Market{}, 0, cli.Usagef("%v", err)
	}
	d, err := market.ParseDate(args[1])
	if err != nil {
		return market.Market{}, 0, cli.Usagef("%v", err)
	}
	return m, d, nil
}
