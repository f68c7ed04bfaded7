// Package store keeps marketd's instruments, daily bars, corporate actions,
// watermarks, run history and scheduling slots in a SQL database.
//
// One implementation serves every database: a Dialect supplies the few
// things that differ (upsert syntax, migrations, retryable errors, statement
// size), and the packages store/mysql and store/sqlite open a *Store with
// theirs. Civil dates travel to SQL as 'YYYY-MM-DD' strings and prices as
// exact decimal strings, never as time.Time or float64, so neither the
// driver's time zone nor binary floating point can alter what is stored.
//
// Write reads what is stored before writing, so that it counts exactly and
// sends only new or restated bars. A dialect with a bulk loader (MySQL's
// LOAD DATA LOCAL INFILE) takes the new bars inside the same transaction,
// at about the cost of the server's own loader (BenchmarkUpsertBars).
// The same transaction keeps each instrument's latest bar in latest_bars,
// so that LatestBars reads one row per instrument whatever the number of
// bars.
//
// Intraday bars live in minute_bars, keyed by instrument, interval and the
// bar's start in UTC, and written by WriteMinutes the way Write writes
// daily bars. On MySQL the table is partitioned by month, and retention
// (DropMinutePartitionsBefore) drops whole partitions; SQLite deletes rows.
package store
