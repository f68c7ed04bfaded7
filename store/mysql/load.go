package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"io"
	"strings"

	driver "github.com/go-sql-driver/mysql"
)

// bulkLoad appends r's rows to table with LOAD DATA LOCAL INFILE inside
// tx. InnoDB makes the load part of the transaction: a rollback undoes it.
//
// The driver finds the reader by name in a registry of its own, shared by
// every pool in the process, so each load registers a name nobody else
// holds and removes it when done.
//
// With LOCAL the server cannot stop the client mid-stream, so it skips a
// row it refuses (duplicate key, failed CHECK, value out of range) with a
// warning rather than failing; the warning count is returned for the
// caller to treat as a refusal.
func bulkLoad(ctx context.Context, tx *sql.Tx, table string, cols []string, r io.Reader) (stored, warnings int64, err error) {
	name := "marketd-" + rand.Text()
	driver.RegisterReaderHandler(name, func() io.Reader { return r })
	defer driver.DeregisterReaderHandler(name)
	res, err := tx.ExecContext(ctx, `LOAD DATA LOCAL INFILE 'Reader::`+name+`' INTO TABLE `+table+
		` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' (`+
		strings.Join(cols, ", ")+`)`)
	if err != nil {
		return 0, 0, err
	}
	if stored, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	// @@warning_count still describes the LOAD DATA: reading it is a
	// diagnostic statement, which leaves the count alone.
	if err := tx.QueryRowContext(ctx, `SELECT @@warning_count`).Scan(&warnings); err != nil {
		return 0, 0, err
	}
	return stored, warnings, nil
}
