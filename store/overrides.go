package store

import (
	"context"
	"fmt"

	"github.com/marketd/marketd/sources/market"
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
