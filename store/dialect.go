package store

import (
	"context"
	"database/sql"
	"io"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
)

// Dialect holds what differs between databases. The SQL text shared by all
// dialects lives in this package; a dialect only adds its clauses.
type Dialect struct {
	// Name identifies the dialect in errors ("mysql", "sqlite").
	Name string
	// Goose is the goose dialect used to run Migrations.
	Goose goose.Dialect
	// Migrations holds the dialect's goose SQL files at its root.
	Migrations fs.FS
	// UpdateFrom spells "the value this INSERT tried to write" for col:
	// VALUES(col) on MySQL/MariaDB (which has no INSERT … AS alias),
	// excluded.col on SQLite.
	UpdateFrom func(col string) string
	// OnConflict spells the clause that starts an upsert's update list for
	// a row whose key columns collide.
	OnConflict func(key []string) string
	// DoNothing spells an upsert that keeps the existing row.
	DoNothing func(key []string) string
	// Retryable reports errors after which the whole transaction may be
	// run again (MySQL deadlocks and lock-wait timeouts). Nil: none.
	Retryable func(error) bool
	// QuoteDecimals writes prices as quoted strings in SQL text: SQLite
	// would read a bare literal as a binary float. MySQL reads a bare
	// literal as an exact DECIMAL.
	QuoteDecimals bool
	// MaxParams bounds the placeholders in one statement.
	MaxParams int
	// MaxStatementBytes bounds the size of one statement once its
	// arguments are written into it (MySQL's max_allowed_packet).
	// Zero: no limit beyond MaxParams.
	MaxStatementBytes int
	// SkipLocked says the dialect has SELECT … FOR UPDATE SKIP LOCKED (given
	// a recent enough server: Store.SharedWork checks), which several
	// hosts need to claim a run's work units. SQLite serves one host.
	SkipLocked bool
	// BulkLoad, when set, is how Write stores bars it has found absent
	// in the same transaction: through the server's bulk loader, which
	// is cheaper per row than INSERT. Nil: INSERT.
	BulkLoad BulkLoader
	// MonthPartitions, when set, keeps minute_bars partitioned by month
	// and enforces retention by dropping partitions. Nil: retention
	// deletes rows.
	MonthPartitions MonthPartitioner
}

// BulkLoader appends the rows r yields to table inside tx and reports how
// many rows the server stored and how many warnings it raised. r holds one
// line per row: the values of cols in order, tab-separated, \N for NULL.
// The caller treats a shortfall or any warning as a refusal: a bulk loader
// may skip a row it cannot store instead of failing.
type BulkLoader func(ctx context.Context, tx *sql.Tx, table string, cols []string, r io.Reader) (stored, warnings int64, err error)

// upsert renders the conflict clause updating cols from the incoming row.
func (d Dialect) upsert(key, cols []string) string {
	var b strings.Builder
	b.WriteString(d.OnConflict(key))
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c)
		b.WriteString(" = ")
		b.WriteString(d.UpdateFrom(c))
	}
	return b.String()
}
