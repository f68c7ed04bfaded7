package validate

import (
	"context"
	"errors"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

// expectedSpan is the gap definition's first half: the dates on which an
// instrument should have a bar, in a window ending at to. It starts at the
// listing date when known (so unfetched early history counts as missing),
// else at the first stored bar, and ends at the delisting date or to. ok is
// false when neither a listing date nor a stored bar says where it starts.
func expectedSpan(inst market.Instrument, firstStored, to market.Date) (from, last market.Date, ok bool) {
	from = inst.Listed
	if from.IsZero() {
		from = firstStored
	}
	if from.IsZero() {
		return 0, 0, false
	}
	last = to
	if !inst.Delisted.IsZero() && inst.Delisted < last {
		last = inst.Delisted
	}
	return from, last, true
}

// GapStore is what a GapFinder reads.
type GapStore interface {
	Bars(ctx context.Context, key market.Key, from, to market.Date) ([]market.Bar, error)
	Acks(ctx context.Context) ([]store.Ack, error)
}

// GapFinder finds one instrument's gaps as the validator defines them: the
// sessions of its market's calendar (overrides included) inside its
// expected span with no stored bar and no acknowledgement. backfill
// --gaps-only plans exactly these ranges.
type GapFinder struct {
	store     GapStore
	calendars Calendars
	acked     func(market.Key, market.Date) bool // read on first use
}

// NewGapFinder returns a GapFinder over the store and the calendars.
func NewGapFinder(st GapStore, calendars Calendars) *GapFinder {
	return &GapFinder{store: st, calendars: calendars}
}

// Find returns inst's gaps within from..to as ranges of consecutive
// sessions, ascending.
func (g *GapFinder) Find(ctx context.Context, inst market.Instrument, from, to market.Date) ([][2]market.Date, error) {
	if g.acked == nil {
		acks, err := g.store.Acks(ctx)
		if err != nil {
			return nil, err
		}
		g.acked = ackIndex(acks)
	}
	cal, err := g.calendars(ctx, inst.Market)
	if errors.Is(err, calendar.ErrNoTable) {
		// Its sessions are inferred from the whole market's bars by the
		// validator; alone, nothing says a date is missing.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	bars, err := g.store.Bars(ctx, inst.Key, from, to)
	if err != nil {
		return nil, err
	}
	var first market.Date // the first stored bar of the window, as the validator sees it
	if len(bars) > 0 {
		first = bars[0].Date
	}
	start, last, ok := expectedSpan(inst, first, to)
	if !ok {
		// Nothing stored in the window and no listing date: the validator
		// reports the instrument stale, and every session of the window is
		// missing.
		start, last = from, to
		if !inst.Delisted.IsZero() {
			last = min(last, inst.Delisted)
		}
	}
	from, to = max(from, start), min(to, last)
	have := make(map[market.Date]bool, len(bars))
	for _, b := range bars {
		have[b.Date] = true
	}
	var missing []market.Date
	for _, d := range cal.Sessions(from, to) { // none when from > to
		if !have[d] && !g.acked(inst.Key, d) {
			missing = append(missing, d)
		}
	}
	return collapse(missing, cal.Next), nil
}
