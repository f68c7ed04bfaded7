package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate/calendar"
)

// calendars returns the exchange calendars with the configured and the
// stored overrides applied (the database's win: they are the newer word).
// Each market's calendar is built once per invocation.
func (a *app) calendars(st *store.Store) func(code string) (*calendar.Calendar, error) {
	var mu sync.Mutex
	cache := map[string]*calendar.Calendar{}
	return func(code string) (*calendar.Calendar, error) {
		mu.Lock()
		defer mu.Unlock()
		base, err := calendar.For(code)
		if err != nil {
			return nil, err
		}
		mic := base.Market().Code
		if c, ok := cache[mic]; ok {
			return c, nil
		}
		var overrides []calendar.Override
		for _, o := range a.cfg.CalendarOverrides {
			if m, err := market.LookupMarket(o.Market); err == nil && m.Code == mic {
				overrides = append(overrides, calendar.Override{Date: o.Date, Open: o.Open, Reason: o.Reason})
			}
		}
		stored, err := st.CalendarOverrides(context.Background(), mic)
		if err != nil {
			return nil, err
		}
		for _, o := range stored {
			overrides = append(overrides, calendar.Override{Date: o.Date, Open: o.Open, Reason: o.Reason})
		}
		c := base.WithOverrides(overrides)
		cache[mic] = c
		return c, nil
	}
}

func newCalendarCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Show exchange calendars and correct them without a release",
		Example: `  marketd calendar show XKRX --year 2026
  marketd calendar close XKRX 2026-06-03 --reason "local election"
  marketd calendar open XNYS 2026-11-27 --reason "traded after all"`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return usagef("calendar: say show, close or open") },
	}
	cmd.AddCommand(newCalendarShowCmd(a), newCalendarSetCmd(a, false), newCalendarSetCmd(a, true))
	return cmd
}

func newCalendarShowCmd(a *app) *cobra.Command {
	var year int
	cmd := &cobra.Command{
		Use:     "show MARKET",
		Short:   "List a year's sessions and closures",
		Example: `  marketd calendar show XKRX --year 2026`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			cal, err := a.calendars(st)(strings.ToUpper(args[0]))
			if err != nil {
				return usagef("%v", err)
			}
			if !cmd.Flags().Changed("year") {
				year = market.DateOf(a.now()).Year()
			} else if err := checkYear(cal, year); err != nil {
				return err
			}
			from, to := market.NewDate(year, 1, 1), market.NewDate(year, 12, 31)
			sessions := cal.Sessions(from, to)
			closures := cal.Holidays(from, to)
			fmt.Fprintf(a.stdout, "%s %d: %d sessions, %d weekday closures\n", cal.Market().Code, year, len(sessions), len(closures))
			for _, c := range closures {
				fmt.Fprintf(a.stdout, "  closed %s %s  %s\n", c.Date, c.Date.Weekday().String()[:3], c.Reason)
			}
			if !cal.Covers(from) {
				fmt.Fprintf(a.stdout, "warning: the %s holiday table ends in %d; %d shows weekends and fixed-date holidays only\n",
					cal.Market().Code, cal.LastYear(), year)
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
			return nil
		},
	}
	cmd.Flags().IntVar(&year, "year", 0, "`year` to show (default: this year)")
	return cmd
}

func newCalendarSetCmd(a *app, open bool) *cobra.Command {
	verb, what := "close", "closed"
	if open {
		verb, what = "open", "open"
	}
	var reason string
	cmd := &cobra.Command{
		Use:     verb + " MARKET DATE",
		Short:   fmt.Sprintf("Record that a market is %s on a date (stored in the database)", what),
		Example: fmt.Sprintf(`  marketd calendar %s XKRX 2026-06-03 --reason "local election"`, verb),
		Args:    usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := market.LookupMarket(strings.ToUpper(args[0]))
			if err != nil {
				return usagef("%v", err)
			}
			d, err := market.ParseDate(args[1])
			if err != nil {
				return usagef("%v", err)
			}
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required: say why the calendar is wrong")
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			cal, err := a.calendars(st)(m.Code)
			if err != nil {
				return err
			}
			if err := checkOverride(cal, d, open); err != nil {
				return err
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

// checkYear refuses a --year the calendar cannot show: before its holiday
// table, or more than a year after it, where only weekends and fixed-date
// holidays are known and the list would pass for a calendar.
func checkYear(cal *calendar.Calendar, year int) error {
	last := cal.LastYear()
	first := last
	for cal.Covers(market.NewDate(first-1, 1, 1)) { // the package exposes only Covers
		first--
	}
	if year < first || year > last+1 {
		return usagef("--year %d: the %s calendar has holidays for %d to %d; show a year from %d to %d",
			year, cal.Market().Code, first, last, first, last+1)
	}
	return nil
}

// checkOverride refuses an override that would change nothing or count a
// weekend among the weekday closures: close takes a session, open a holiday.
func checkOverride(cal *calendar.Calendar, d market.Date, open bool) error {
	code := cal.Market().Code
	weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
	reason, holiday := cal.Holiday(d)
	switch {
	case !open && weekend:
		return usagef("%s %s is already closed: a %s", code, d, d.Weekday())
	case !open && holiday:
		return usagef("%s %s is already closed: %s", code, d, reason)
	case open && weekend:
		return usagef("%s %s is a %s, not a holiday: calendar open reopens holidays", code, d, d.Weekday())
	case open && !holiday:
		return usagef("%s %s is not a holiday: it is already a session", code, d)
	}
	return nil
}
