package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// MonthPartitioner keeps a table range-partitioned by the month (UTC) of a
// DATETIME column: minute_bars on MySQL. A partition holds the month it is
// named for; the first one may also hold anything older.
type MonthPartitioner interface {
	// EnsureMonths adds the partitions needed for rows from from through
	// through, if they are missing. Safe to run from several processes at
	// once.
	EnsureMonths(ctx context.Context, db *sql.DB, table string, from, through time.Time) error
	// DropMonthsBefore drops the partitions holding only rows before t and
	// returns their names.
	DropMonthsBefore(ctx context.Context, db *sql.DB, table string, t time.Time) ([]string, error)
}

// MinuteRetention reports what DropMinutePartitionsBefore removed.
type MinuteRetention struct {
	Partitions []string // dropped partitions (MySQL)
	Rows       int64    // deleted rows (SQLite)
}

// DropMinutePartitionsBefore enforces intraday.retention: it removes the
// minute bars of every month (UTC) that ends at or before t, and keeps
// every bar of t's own month, so both dialects keep the same bars.
//
// On MySQL whole monthly partitions are dropped, a metadata change that
// costs the same for a billion rows as for one; rows are never deleted
// there. SQLite has no partitions and deletes the rows. Partitions are
// made for the months from t's through the next one first, so that the
// table never runs out of partitions while nothing is written.
func (s *Store) DropMinutePartitionsBefore(ctx context.Context, t time.Time) (MinuteRetention, error) {
	t = t.UTC()
	cut := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	if p := s.d.MonthPartitions; p != nil {
		if err := p.EnsureMonths(ctx, s.db, "minute_bars", cut, cut.AddDate(0, 1, 0)); err != nil {
			return MinuteRetention{}, fmt.Errorf("store: add minute_bars partitions through %s: %w", cut.AddDate(0, 1, 0).Format("2006-01"), err)
		}
		names, err := p.DropMonthsBefore(ctx, s.db, "minute_bars", cut)
		if err != nil {
			return MinuteRetention{}, fmt.Errorf("store: drop minute_bars partitions before %s: %w", cut.Format("2006-01"), err)
		}
		return MinuteRetention{Partitions: names}, nil
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM minute_bars WHERE starts_at < ?`, cut.Format(minuteLayout))
	if err != nil {
		return MinuteRetention{}, fmt.Errorf("store: delete minute bars before %s: %w", cut.Format("2006-01"), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return MinuteRetention{}, fmt.Errorf("store: delete minute bars before %s: %w", cut.Format("2006-01"), err)
	}
	return MinuteRetention{Rows: n}, nil
}
