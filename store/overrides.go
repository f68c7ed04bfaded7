package store

import (
	"context"
	"fmt"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// DeleteCalendarOverride forgets the stored override of a market's date and
// reports whether there was one, so the caller can say when nothing changed.
func (s *Store) DeleteCalendarOverride(ctx context.Context, mkt string, d market.Date) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM calendar_overrides WHERE market = ? AND day = ?`, mkt, d.String())
	if err != nil {
		return false, fmt.Errorf("store: delete calendar override %s %s: %w", mkt, d, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: delete calendar override %s %s: %w", mkt, d, err)
	}
	return n > 0, nil
}

// SetCalendarOverride records an override of the market mkt's calendar,
// replacing one for the same date: a closure announced after a release,
// or a holiday the exchange traded on after all (calendar.Book.Set).
func (s *Store) SetCalendarOverride(ctx context.Context, mkt string, o calendar.Override) error {
	q := `INSERT INTO calendar_overrides (market, day, is_open, reason) VALUES (?, ?, ?, ?)` +
		s.d.upsert([]string{"market", "day"}, []string{"is_open", "reason"})
	if _, err := s.db.ExecContext(ctx, q, mkt, o.Date.String(), o.Open, o.Reason); err != nil {
		return fmt.Errorf("store: calendar override %s %s: %w", mkt, o.Date, err)
	}
	return nil
}

// CalendarOverrides returns a market's overrides by date, in the form the
// calendars apply them (calendar.Book reads them through this).
func (s *Store) CalendarOverrides(ctx context.Context, mkt string) ([]calendar.Override, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT day, is_open, reason FROM calendar_overrides WHERE market = ? ORDER BY day`, mkt)
	if err != nil {
		return nil, fmt.Errorf("store: calendar overrides of %s: %w", mkt, err)
	}
	defer rows.Close()
	var out []calendar.Override
	for rows.Next() {
		var o calendar.Override
		if err := rows.Scan(dateScanner{&o.Date}, &o.Open, &o.Reason); err != nil {
			return nil, fmt.Errorf("store: calendar overrides of %s: %w", mkt, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
