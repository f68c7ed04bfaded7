package calendar

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// MarketOverride is an override of one market's calendar and where it is
// kept.
type MarketOverride struct {
	Override
	Market string // MIC
	Stored bool   // in the database; else in the configuration file
}

// OverrideStore lists the overrides of a market kept in the database
// (marketd calendar close/open).
type OverrideStore interface {
	CalendarOverrides(ctx context.Context, mic string) ([]Override, error)
}

// Book hands out the exchange calendars with their runtime corrections
// applied: the configured overrides, then the stored ones, which win for a
// date in both because they are the newer word. Every caller that needs a
// calendar (the collector's plan, the validator, the scheduler's closed-day
// check, backfill --gaps-only, the CLI) goes through one Book, so an
// override means the same thing everywhere.
type Book struct {
	configured []MarketOverride
	stored     OverrideStore // nil: configured overrides only

	mu   sync.Mutex
	base map[string]*Calendar // by MIC: the embedded tables, immutable
}

// NewBook returns a Book over the configured overrides (their Market may be
// an alias: KOSPI is XKRX) and the store, which may be nil.
func NewBook(configured []MarketOverride, stored OverrideStore) *Book {
	return &Book{configured: configured, stored: stored, base: make(map[string]*Calendar)}
}

// For returns the calendar of market code (a MIC or an alias) with its
// overrides. It reads the store on every call: a caller keeps the calendar
// for one run, so an override stored meanwhile applies from the next run.
func (b *Book) For(ctx context.Context, code string) (*Calendar, error) {
	base, err := b.baseOf(code)
	if err != nil {
		return nil, err
	}
	found, err := b.Overrides(ctx, base.Market().Code)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return base, nil
	}
	overrides := make([]Override, len(found))
	for i, o := range found {
		overrides[i] = o.Override
	}
	return base.WithOverrides(overrides), nil
}

// Overrides returns the overrides of the market mic, the configured ones
// first so that the stored ones, applied after them, win.
func (b *Book) Overrides(ctx context.Context, mic string) ([]MarketOverride, error) {
	var out []MarketOverride
	for _, o := range b.configured {
		if m, err := market.LookupMarket(o.Market); err == nil && m.Code == mic {
			o.Market, o.Stored = mic, false
			out = append(out, o)
		}
	}
	if b.stored == nil {
		return out, nil
	}
	stored, err := b.stored.CalendarOverrides(ctx, mic)
	if err != nil {
		return nil, fmt.Errorf("calendar %s: overrides: %w", mic, err)
	}
	for _, o := range stored {
		out = append(out, MarketOverride{Override: o, Market: mic, Stored: true})
	}
	return out, nil
}

// baseOf returns the embedded calendar of a market, built once per Book.
func (b *Book) baseOf(code string) (*Calendar, error) {
	m, err := market.LookupMarket(code)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", unregistered{err})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.base[m.Code]; ok {
		return c, nil
	}
	c, err := For(m.Code)
	if err != nil {
		return nil, err
	}
	b.base[m.Code] = c
	return c, nil
}

// LastClosed returns the latest of the last closed sessions at now of the
// markets codes, of every registered market when codes is empty: a date
// after it has no session to fetch in any of them yet.
func (b *Book) LastClosed(ctx context.Context, codes []string, now time.Time) (market.Date, error) {
	if len(codes) == 0 {
		ms, err := market.Markets()
		if err != nil {
			return 0, err
		}
		for _, m := range ms {
			codes = append(codes, m.Code)
		}
	}
	var last market.Date
	for _, code := range codes {
		cal, err := b.For(ctx, code)
		if err != nil {
			return 0, err
		}
		last = max(last, cal.LastClosed(now))
	}
	return last, nil
}
