package naver

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// parseFChartMinutes parses the chart feed's minute archive
// (sise.nhn?symbol=CODE&timeframe=minute&count=N): items
// "YYYYMMDDHHMM|open|high|low|close|volume", the minute's start on Seoul's
// wall clock (loc, the exchange's zone), returned as an instant in UTC. See the package
// documentation for what of this format was verified.
//
//   - Open, high and low come either as prices or empty or "null": a
//     missing one stays missing, never 0; so does a 0 beside a positive
//     close, as in the daily feed.
//   - The volume is the day's cumulative volume at that minute (the
//     reading of every third-party fixture whose numbers can tell); a bar's
//     volume is the difference from the previous item of the same Seoul
//     date. The first item of the answer's first date has no predecessor
//     in the answer, so its volume is missing: ask for a few minutes more
//     than needed. A cumulative volume that falls leaves that minute's
//     volume missing rather than negative.
//   - Only minutes with a trade are listed: a missing minute is one
//     without trades, not a gap in the answer.
//   - A minute that has not ended by now is still moving and is left out.
//   - Items outside the regular session (the closing auction's print at
//     15:30, after-hours trading) are returned as they come: which minutes
//     a session holds is the calendar's to say (calendar.BarStarts).
//
// A malformed item fails the answer with an error naming it, as in the
// daily feed: a half-read minute series would be stored as complete.
func parseFChartMinutes(code string, body []byte, loc *time.Location, now time.Time) ([]market.MinuteBar, error) {
	doc, err := decodeFChart(code, body)
	if err != nil {
		return nil, err
	}
	if doc.Timeframe != "minute" {
		return nil, &ParseError{Endpoint: endpointFChart, Symbol: code, Err: fmt.Errorf("timeframe %q, want minute", doc.Timeframe)}
	}
	type item struct {
		start  time.Time
		date   market.Date // in Seoul
		r      row         // r.volume is cumulative
		closed bool
	}
	items := make([]item, 0, len(doc.Items))
	var errs []error
	for i, it := range doc.Items {
		cells := strings.Split(it.Data, "|")
		if len(cells) != 6 {
			errs = append(errs, fmt.Errorf("item %d %q: want YYYYMMDDHHMM|open|high|low|close|volume", i+1, it.Data))
			continue
		}
		at, err := time.ParseInLocation("200601021504", strings.TrimSpace(cells[0]), loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("item %d %q: time %q: want YYYYMMDDHHMM", i+1, it.Data, cells[0]))
			continue
		}
		// parseRow reads the prices and volume; the date cell is the
		// minute's day.
		r, err := parseRow(cells[0][:8], cells[1], cells[2], cells[3], cells[4], cells[5])
		if err != nil {
			errs = append(errs, fmt.Errorf("item %d %s: %w", i+1, cells[0], err))
			continue
		}
		items = append(items, item{start: at.UTC(), date: r.date, r: r, closed: !at.Add(time.Minute).After(now)})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &ParseError{Endpoint: endpointFChart, Symbol: code, Err: err}
	}
	// Ascending as the feed sends them; a repeated minute keeps its later
	// item.
	slices.SortStableFunc(items, func(a, b item) int { return a.start.Compare(b.start) })
	kept := items[:0]
	for _, it := range items {
		if len(kept) > 0 && kept[len(kept)-1].start.Equal(it.start) {
			kept = kept[:len(kept)-1]
		}
		kept = append(kept, it)
	}
	items = kept
	out := make([]market.MinuteBar, 0, len(items))
	for i, it := range items {
		if !it.closed || !it.r.close.valid || it.r.close.v <= 0 {
			continue
		}
		b := market.MinuteBar{Start: it.start, Close: it.r.close.v}
		for _, p := range []struct {
			f   field[market.Decimal]
			dst *sql.Null[market.Decimal]
		}{{it.r.open, &b.Open}, {it.r.high, &b.High}, {it.r.low, &b.Low}} {
			if p.f.valid && p.f.v != 0 {
				*p.dst = market.Some(p.f.v)
			}
		}
		switch cum := it.r.volume; {
		case !cum.valid:
		case i > 0 && items[i-1].date == it.date:
			if prev := items[i-1].r.volume; prev.valid && cum.v >= prev.v {
				b.Volume = market.Some(cum.v - prev.v)
			}
		case it.date != items[0].date:
			// The first minute of a date the answer holds from its start.
			b.Volume = market.Some(cum.v)
		}
		out = append(out, b)
	}
	return out, nil
}
