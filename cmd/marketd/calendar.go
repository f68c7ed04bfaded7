package main

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

func newCalendarCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Show exchange calendars and correct them without a release",
		Example: `  marketd calendar show XKRX --year 2026
  marketd calendar close XKRX 2026-12-29 --reason "temporary holiday"
  marketd calendar overrides XKRX
  marketd calendar reset XKRX 2026-12-29`,
		Args: usageArgs(cobra.NoArgs),
		RunE: whichCommand,
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
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return a.showMarkets()
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			cal, err := book(a.cfg, st).For(cmd.Context(), strings.ToUpper(args[0]))
			if err != nil {
				return usagef("%v", err)
			}
			given := cmd.Flags().Changed("year")
			if !given {
				year = market.DateOf(a.now()).Year()
			}
			if err := cal.CheckYear(year); err != nil {
				if given {
					return usagef("--year %d: %w", year, err)
				}
				return usagef("this year, %d: %w; show a year of the table with --year", year, err)
			}
			from, to := market.NewDate(year, 1, 1), market.NewDate(year, 12, 31)
			sessions := cal.Sessions(from, to)
			closures := cal.Holidays(from, to)
			for _, c := range closures {
				fmt.Fprintf(a.stdout, "  closed %s %s  %s\n", c.Date, c.Date.Weekday().String()[:3], c.Reason)
			}
			var b strings.Builder
			for i, d := range sessions {
				if i > 0 && sessions[i-1].Month() != d.Month() {
					b.WriteString("\n")
				}
				if i == 0 || sessions[i-1].Month() != d.Month() {
					fmt.Fprintf(&b, "  %s:", d.Month().String()[:3])
				}
				b.WriteString(" " + strconv.Itoa(d.Day()))
			}
			fmt.Fprintf(a.stdout, "sessions:\n%s\n", b.String())
			// What the overrides made is what the embedded calendar says otherwise.
			base, err := calendar.For(cal.Market().Code)
			if err != nil {
				return err
			}
			opened, closed := 0, 0
			for _, d := range sessions {
				if !base.IsSession(d) {
					opened++
				}
			}
			for _, c := range closures {
				if _, ok := base.Holiday(c.Date); !ok {
					closed++
				}
			}
			writeSummary(a.stdout, "%s %d: %d sessions%s, %d weekday closures%s", cal.Market().Code, year,
				len(sessions), fromOverrides(opened), len(closures), fromOverrides(closed))
			return nil
		},
	}
	cmd.Flags().IntVar(&year, "year", 0, "`year` to show (default: this year)")
	return cmd
}

// fromOverrides says how many of a count the overrides made, when any did.
func fromOverrides(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d from overrides)", n)
}

func newCalendarOverridesCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "overrides [MARKET]",
		Short: "List the calendar overrides, from the configuration file and the database",
		Example: `  marketd calendar overrides
  marketd calendar overrides XKRX`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var mics []string
			ms, err := market.Markets()
			if err != nil {
				return err
			}
			for _, m := range ms {
				mics = append(mics, m.Code)
			}
			slices.Sort(mics)
			if len(args) == 1 {
				m, err := market.LookupMarket(strings.ToUpper(args[0]))
				if err != nil {
					return usagef("%v", err)
				}
				mics = []string{m.Code}
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MARKET\tDATE\tDAY\tFROM\tREASON")
			inFile, stored := 0, 0
			for _, mic := range mics {
				found, err := book(a.cfg, st).Overrides(cmd.Context(), mic)
				if err != nil {
					return err
				}
				storedDates := map[market.Date]bool{}
				for _, o := range found {
					if o.Stored {
						storedDates[o.Date] = true
					}
				}
				// Stored overrides come after the configured ones; by date reads better.
				sort.SliceStable(found, func(i, j int) bool { return found[i].Date < found[j].Date })
				for _, o := range found {
					from := "database"
					if o.Stored {
						stored++
					} else {
						inFile++
						from = "config"
						if storedDates[o.Date] {
							from = "config (the database's wins)"
						}
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", mic, o.Date, openOrClosed(o.Open), from, o.Reason)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			writeSummary(a.stderr, "%d calendar overrides: %d in the configuration file, %d in the database", inFile+stored, inFile, stored)
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
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, d, err := marketDateArgs(args)
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			found, err := book(a.cfg, st).Overrides(cmd.Context(), m.Code)
			if err != nil {
				return err
			}
			var was *calendar.MarketOverride
			inFile := false
			for i, o := range found {
				switch {
				case o.Date != d:
				case o.Stored:
					was = &found[i]
				default:
					inFile = true
				}
			}
			if was == nil && inFile {
				return usagef("%s %s is overridden in the configuration file (%s), not the database: edit its calendar_overrides to remove it",
					m.Code, d, a.configFile())
			}
			deleted := false
			if was != nil { // else there is nothing to delete
				if deleted, err = st.DeleteCalendarOverride(cmd.Context(), m.Code, d); err != nil {
					return err
				}
			}
			if !deleted { // none, or another host reset it since the read
				return usagef("%s %s has no stored calendar override (see marketd calendar overrides %s)", m.Code, d, m.Code)
			}
			cal, err := book(a.cfg, st).For(cmd.Context(), m.Code) // read after the delete
			if err != nil {
				return err
			}
			now := "a session"
			if reason, ok := cal.Holiday(d); ok {
				now = "closed: " + reason
			} else if !cal.IsSession(d) {
				now = "closed: a " + d.Weekday().String()
			}
			writeSummary(a.stdout, "%s %s override removed (was %s: %s); now %s", m.Code, d, openOrClosed(was.Open), was.Reason, now)
			return nil
		},
	}
}

func openOrClosed(open bool) string {
	if open {
		return "open"
	}
	return "closed"
}

// configFile names the configuration file read: --config, or the default
// one, which is the only other place file-only settings can come from.
func (a *app) configFile() string {
	if a.configPath != "" {
		return a.configPath
	}
	return config.DefaultPath
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
		Args:    usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, d, err := marketDateArgs(args)
			if err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required: say why the calendar is wrong")
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			cal, err := book(a.cfg, st).For(cmd.Context(), m.Code)
			if err != nil {
				return err
			}
			if err := cal.CheckOverride(d, open); err != nil {
				return usageError{err}
			}
			if err := st.SetCalendarOverride(cmd.Context(), store.CalendarOverride{Market: m.Code, Date: d, Open: open, Reason: reason}); err != nil {
				return err
			}
			writeSummary(a.stdout, "%s %s recorded as %s (%s)", m.Code, d, what, reason)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

// showMarkets lists the registered markets: what MARKET and --market take.
func (a *app) showMarkets() error {
	ms, err := market.Markets()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MARKET\tALSO\tZONE\tHOLIDAYS\tNAME")
	for _, m := range ms {
		cal, err := calendar.For(m.Code)
		if err != nil {
			return err
		}
		years := fmt.Sprintf("%d-%d", cal.FirstYear(), cal.LastYear())
		if m.Calendar == "always" || m.Calendar == "weekdays" {
			years = "none needed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Code, cmp.Or(strings.Join(m.Aliases, ","), "-"), m.Location, years, m.Name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeSummary(a.stdout, "%d markets; marketd calendar show MARKET lists one's sessions (a market not listed is checked on sessions inferred from its bars)", len(ms))
	return nil
}

// marketDateArgs reads MARKET DATE.
func marketDateArgs(args []string) (market.Market, market.Date, error) {
	m, err := market.LookupMarket(strings.ToUpper(args[0]))
	if err != nil {
		return market.Market{}, 0, usagef("%v", err)
	}
	d, err := market.ParseDate(args[1])
	if err != nil {
		return market.Market{}, 0, usagef("%v", err)
	}
	return m, d, nil
}
