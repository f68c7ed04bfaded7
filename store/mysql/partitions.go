package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// monthPartitions keeps a table range-partitioned by month, as migration
// 00008 creates minute_bars: a first partition p_start (rows before 2000)
// and one partition pYYYYMM per month, holding rows before the first of
// the next month. Partitions are added only above the highest one and
// without gaps, so that every partition but the first holds exactly its
// month and dropping those wholly before a date drops exactly the rows
// before it. The first monthly partition also holds anything older that a
// backfill writes later; it goes when its own month does.
type monthPartitions struct{}

// partitionStart is p_start's bound, below the oldest minute marketd keeps.
var partitionStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

type partition struct {
	name  string
	bound time.Time // rows before it, from the previous bound on
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func (monthPartitions) EnsureMonths(ctx context.Context, db *sql.DB, table string, from, through time.Time) error {
	parts, err := listPartitions(ctx, db, table)
	if err != nil {
		return err
	}
	need := monthOf(through).AddDate(0, 1, 0)
	top := parts[len(parts)-1].bound
	if !top.Before(need) {
		return nil
	}
	// Above the highest partition without a gap; on a table holding only
	// p_start, from the first month written.
	month := top
	if top.Equal(partitionStart) {
		month = monthOf(from)
		if month.Before(partitionStart) {
			month = partitionStart
		}
	}
	var sb strings.Builder
	sb.WriteString("ALTER TABLE " + table + " ADD PARTITION (")
	for m := month; m.Before(need); m = m.AddDate(0, 1, 0) {
		if !m.Equal(month) {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "PARTITION p%s VALUES LESS THAN ('%s')", m.Format("200601"), m.AddDate(0, 1, 0).Format(time.DateTime))
	}
	sb.WriteString(")")
	if _, err := db.ExecContext(ctx, sb.String()); err != nil {
		// Another process may have added them first.
		if parts, lerr := listPartitions(ctx, db, table); lerr == nil && !parts[len(parts)-1].bound.Before(need) {
			return nil
		}
		return fmt.Errorf("add partitions of %s for %s..%s: %w", table, month.Format("2006-01"), need.AddDate(0, -1, 0).Format("2006-01"), err)
	}
	return nil
}

func (monthPartitions) DropMonthsBefore(ctx context.Context, db *sql.DB, table string, t time.Time) ([]string, error) {
	parts, err := listPartitions(ctx, db, table)
	if err != nil {
		return nil, err
	}
	var names []string
	// MySQL keeps at least one partition; the highest one is the newest.
	for _, p := range parts[:len(parts)-1] {
		if !p.bound.After(t) {
			names = append(names, p.name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	if _, err := db.ExecContext(ctx, "ALTER TABLE "+table+" DROP PARTITION "+strings.Join(names, ", ")); err != nil {
		return nil, fmt.Errorf("drop partitions %s of %s: %w", strings.Join(names, ", "), table, err)
	}
	return names, nil
}

// listPartitions returns table's partitions in order, their bounds read
// from their names: a partition named otherwise was not made by marketd
// and is reported rather than guessed at.
func listPartitions(ctx context.Context, db *sql.DB, table string) ([]partition, error) {
	rows, err := db.QueryContext(ctx, `SELECT PARTITION_NAME FROM information_schema.PARTITIONS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL
		ORDER BY PARTITION_ORDINAL_POSITION`, table)
	if err != nil {
		return nil, fmt.Errorf("list partitions of %s: %w", table, err)
	}
	defer rows.Close()
	var parts []partition
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("list partitions of %s: %w", table, err)
		}
		p := partition{name: name, bound: partitionStart}
		if name != "p_start" {
			m, err := time.Parse("p200601", name)
			if err != nil {
				return nil, fmt.Errorf("partition %s of %s: not one marketd made (want p_start or pYYYYMM)", name, table)
			}
			p.bound = m.AddDate(0, 1, 0)
		}
		parts = append(parts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list partitions of %s: %w", table, err)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("table %s is not partitioned (migration 00008 partitions it)", table)
	}
	return parts, nil
}
