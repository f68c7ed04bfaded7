package calendar

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/marketd/marketd/sources/market"
)

// Year is one year of a market's calendar as marketd calendar show lists
// it.
type Year struct {
	Market   string
	Year     int
	Sessions []market.Date
	Closures []Closure // weekday closures
	// Opened and Closed count the sessions and closures the overrides
	// made: what the embedded table says otherwise.
	Opened, Closed int
}

// YearOf lists a year of cal, which CheckYear must accept.
func YearOf(cal *Calendar, year int) (Year, error) {
	code := cal.Market().Code
	from, to := market.NewDate(year, 1, 1), market.NewDate(year, 12, 31)
	y := Year{Market: code, Year: year, Sessions: cal.Sessions(from, to), Closures: cal.Holidays(from, to)}
	base, err := For(code)
	if err != nil {
		return y, err
	}
	for _, d := range y.Sessions {
		if !base.IsSession(d) {
			y.Opened++
		}
	}
	for _, c := range y.Closures {
		if _, ok := base.Holiday(c.Date); !ok {
			y.Closed++
		}
	}
	return y, nil
}

// WriteText writes the closures, the sessions a month a line, and a
// summary line.
func (y Year) WriteText(w io.Writer) error {
	for _, c := range y.Closures {
		fmt.Fprintf(w, "  closed %s %s  %s\n", c.Date, c.Date.Weekday().String()[:3], c.Reason)
	}
	var b strings.Builder
	for i, d := range y.Sessions {
		if i > 0 && y.Sessions[i-1].Month() != d.Month() {
			b.WriteString("\n")
		}
		if i == 0 || y.Sessions[i-1].Month() != d.Month() {
			fmt.Fprintf(&b, "  %s:", d.Month().String()[:3])
		}
		b.WriteString(" " + strconv.Itoa(d.Day()))
	}
	_, err := fmt.Fprintf(w, "sessions:\n%s\n%s %d: %d sessions%s, %d weekday closures%s\n", b.String(), y.Market, y.Year,
		len(y.Sessions), fromOverrides(y.Opened), len(y.Closures), fromOverrides(y.Closed))
	return err
}

// fromOverrides says how many of a count the overrides made, when any did.
func fromOverrides(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d from overrides)", n)
}

// WriteMarkets lists the registered markets, what a MARKET or --market
// takes, with the years their holiday tables cover, and a summary line.
func WriteMarkets(w io.Writer) error {
	ms, err := market.Markets()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MARKET\tALSO\tZONE\tHOLIDAYS\tNAME")
	for _, m := range ms {
		cal, err := For(m.Code)
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
	_, err = fmt.Fprintf(w, "%d markets; marketd calendar show MARKET lists one's sessions (a market not listed is checked on sessions inferred from its bars)\n", len(ms))
	return err
}

// ListedOverride is an override as marketd calendar overrides lists it.
type ListedOverride struct {
	MarketOverride
	Shadowed bool // configured, and a stored one for the date wins
}

// OverrideList is the overrides of some markets, by market then date.
type OverrideList struct {
	Overrides      []ListedOverride
	InFile, Stored int
}

// List returns the overrides of the markets mics, every registered market
// when mics is empty.
func (b *Book) List(ctx context.Context, mics []string) (OverrideList, error) {
	var l OverrideList
	if len(mics) == 0 {
		ms, err := market.Markets()
		if err != nil {
			return l, err
		}
		for _, m := range ms {
			mics = append(mics, m.Code)
		}
		slices.Sort(mics)
	}
	for _, mic := range mics {
		found, err := b.Overrides(ctx, mic)
		if err != nil {
			return l, err
		}
		stored := map[market.Date]bool{}
		for _, o := range found {
			if o.Stored {
				stored[o.Date] = true
			}
		}
		// Stored overrides come after the configured ones; by date reads better.
		slices.SortStableFunc(found, func(x, y MarketOverride) int { return cmp.Compare(x.Date, y.Date) })
		for _, o := range found {
			if o.Stored {
				l.Stored++
			} else {
				l.InFile++
			}
			l.Overrides = append(l.Overrides, ListedOverride{MarketOverride: o, Shadowed: !o.Stored && stored[o.Date]})
		}
	}
	return l, nil
}

// WriteText writes the list as a table.
func (l OverrideList) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MARKET\tDATE\tDAY\tFROM\tREASON")
	for _, o := range l.Overrides {
		from := "database"
		switch {
		case o.Shadowed:
			from = "config (the database's wins)"
		case !o.Stored:
			from = "config"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Market, o.Date, OpenOrClosed(o.Open), from, o.Reason)
	}
	return tw.Flush()
}

// Summary counts the list in one line.
func (l OverrideList) Summary() string {
	noun := "overrides"
	if l.InFile+l.Stored == 1 {
		noun = "override"
	}
	return fmt.Sprintf("%d calendar %s: %d in the configuration file, %d in the database", l.InFile+l.Stored, noun, l.InFile, l.Stored)
}

// OpenOrClosed words an override's Open.
func OpenOrClosed(open bool) string {
	if open {
		return "open"
	}
	return "closed"
}
