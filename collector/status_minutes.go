package collector

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// MinuteStatusGroup is one market, source and interval's line of intraday
// status: how the minute archive of its active intraday instruments
// stands (MinuteFreshness).
type MinuteStatusGroup struct {
	Market, Source string
	Interval       market.Interval
	Instruments    int
	Fresh, Behind  int
	// Latest is the newest stored minute of the group, Oldest the oldest
	// instrument's last stored minute (zero when one has none), Expected
	// the last bar start of the market's last closed session; all UTC.
	Latest, Oldest, Expected time.Time
	loc                      *time.Location
}

// MinuteStatusOf sums the minute freshness at now of the active
// instruments of insts that have an intraday interval, per market, source
// and interval, ordered by market, source then interval.
func MinuteStatusOf(ctx context.Context, st LatestMinutesReader, cals func(ctx context.Context, market string) (Calendar, error),
	now time.Time, insts []market.Instrument) ([]MinuteStatusGroup, error) {
	var active []market.Instrument
	mkts := map[market.Key]string{}
	for _, in := range insts {
		if in.Active {
			active = append(active, in)
			mkts[in.Key] = in.Market
		}
	}
	fresh, err := MinuteFreshnessOf(ctx, st, cals, now, active)
	if err != nil {
		return nil, err
	}
	type id struct {
		market, source string
		iv             market.Interval
	}
	groups := map[id]*MinuteStatusGroup{}
	var order []id
	noMinutes := map[id]bool{}
	for _, f := range fresh {
		k := id{mkts[f.Key], f.Key.Source, f.Interval}
		g := groups[k]
		if g == nil {
			g = &MinuteStatusGroup{Market: k.market, Source: k.source, Interval: k.iv, loc: f.loc}
			groups[k] = g
			order = append(order, k)
		}
		g.Instruments++
		g.Expected = maxTime(g.Expected, f.Expected)
		g.Latest = maxTime(g.Latest, f.Latest)
		switch {
		case f.Latest.IsZero():
			noMinutes[k] = true
		case g.Oldest.IsZero() || f.Latest.Before(g.Oldest):
			g.Oldest = f.Latest
		}
		if f.Behind() {
			g.Behind++
		} else {
			g.Fresh++
		}
	}
	out := make([]MinuteStatusGroup, 0, len(order))
	for _, k := range order {
		g := *groups[k]
		if noMinutes[k] {
			g.Oldest = time.Time{}
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(x, y MinuteStatusGroup) int {
		return cmp.Or(cmp.Compare(x.Market, y.Market), cmp.Compare(x.Source, y.Source), cmp.Compare(x.Interval, y.Interval))
	})
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// WriteMinuteStatus writes groups as the intraday table of marketd status,
// times in each market's zone with its offset; nothing when there are
// none (no instrument archives minute bars).
func WriteMinuteStatus(w io.Writer, groups []MinuteStatusGroup) error {
	if len(groups) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w, "\nMARKET\tSOURCE\tINTERVAL\tINTRADAY\tFRESH\tBEHIND\tLAST MINUTE\tEXPECTED\tOLDEST LAST MINUTE"); err != nil {
		return err
	}
	for _, g := range groups {
		at := func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.In(g.loc).Format(time.RFC3339)
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", g.Market, g.Source, g.Interval, g.Instruments,
			g.Fresh, g.Behind, at(g.Latest), at(g.Expected), at(g.Oldest)); err != nil {
			return err
		}
	}
	return nil
}
