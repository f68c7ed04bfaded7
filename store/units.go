package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Work unit states.
const (
	UnitPending = "pending"
	UnitClaimed = "claimed"
	UnitDone    = "done"
)

// ErrSingleHost is returned by the work-unit functions of a database that
// cannot share a run's work between hosts: SQLite (one host by design), or
// a MySQL/MariaDB server without SELECT … FOR UPDATE SKIP LOCKED.
var ErrSingleHost = errors.New("the database serves one host")

// ErrLeaseLost is returned when a unit's lease passed to another owner (it
// expired and another host claimed the unit): what the first owner did is
// not committed as the unit's completion, the new owner redoes it.
var ErrLeaseLost = errors.New("lease lost")

// UnitCounts are what a unit's instruments came to, and the requests
// (throttled, retried) its host's transport sent while working on it.
type UnitCounts struct {
	OK, Failed, Skipped          int
	Inserted, Changed, Unchanged int
	Requests, Throttled, Retries int
}

// Add sums two counts.
func (c UnitCounts) Add(o UnitCounts) UnitCounts {
	return UnitCounts{c.OK + o.OK, c.Failed + o.Failed, c.Skipped + o.Skipped,
		c.Inserted + o.Inserted, c.Changed + o.Changed, c.Unchanged + o.Unchanged,
		c.Requests + o.Requests, c.Throttled + o.Throttled, c.Retries + o.Retries}
}

// Unit is one share of a run's instruments: symbols of one source.
type Unit struct {
	RunID   int64
	Number  int // from 1, in the order CreateUnits got them
	Source  string
	Symbols []string
	State   string
	// Owner is the claimant's identity (host, process and instance),
	// Host its host name, as the run log names hosts.
	Owner, Host string
	LeaseUntil  time.Time // zero when not claimed
	Claims      int       // how many times it was claimed: more than 1 after a takeover
	Finished    time.Time
	UnitCounts
}

// UnitCompletion is the completion a unit's last write carries: the unit, the
// claimant that finishes it, the counts of everything but that write
// (whose own counts the store adds), and the unit's per-instrument results,
// stored as the run's.
type UnitCompletion struct {
	RunID   int64
	Number  int
	Owner   string
	Counts  UnitCounts
	Results []RunResult
}

// SharedWork reports whether hosts can share runs through this database:
// nil, or an error wrapping ErrSingleHost that says what is missing.
func (s *Store) SharedWork(ctx context.Context) error {
	if err := s.sharedOnly(); err != nil {
		return err
	}
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT VERSION()`).Scan(&v); err != nil {
		return fmt.Errorf("store: read server version: %w", err)
	}
	return checkSkipLocked(v)
}

// checkSkipLocked says whether the server of VERSION() v has SELECT … FOR
// UPDATE SKIP LOCKED: MySQL from 8.0.1, MariaDB from 10.6.
func checkSkipLocked(v string) error {
	maria := strings.Contains(strings.ToLower(v), "mariadb")
	if maria {
		// Older MariaDB puts a 5.5.5- in front for old replication clients.
		v = strings.TrimPrefix(v, "5.5.5-")
	}
	num, _, _ := strings.Cut(v, "-")
	parts := strings.SplitN(num, ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("store: %w: cannot read the server version %q (work shared between hosts needs MySQL 8.0+ or MariaDB 10.6+)", ErrSingleHost, v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return fmt.Errorf("store: %w: cannot read the server version %q (work shared between hosts needs MySQL 8.0+ or MariaDB 10.6+)", ErrSingleHost, v)
	}
	name, need, ok := "MySQL", "8.0", major >= 8
	if maria {
		name, need, ok = "MariaDB", "10.6", major > 10 || major == 10 && minor >= 6
	}
	if !ok {
		return fmt.Errorf("store: %w: %s %s has no SELECT … FOR UPDATE SKIP LOCKED, which hosts need to share a run's work: upgrade to %s %s or later, or run one host", ErrSingleHost, name, num, name, need)
	}
	return nil
}

// CreateUnits stores run runID's units, numbered from 1 in order, pending.
func (s *Store) CreateUnits(ctx context.Context, runID int64, units []Unit) error {
	if err := s.sharedOnly(); err != nil {
		return err
	}
	if err := checkUnits(runID, units); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return createUnitsTx(ctx, tx, s.d, runID, units) })
}

func checkUnits(runID int64, units []Unit) error {
	for i, u := range units {
		if len(u.Symbols) == 0 {
			return fmt.Errorf("store: create unit %d of run %d: %w: no symbols", i+1, runID, ErrInvalid)
		}
		for _, sym := range u.Symbols {
			if k := (market.Key{Source: u.Source, Symbol: sym}); !validKey(k) {
				return fmt.Errorf("store: create unit %d of run %d: %w: instrument %q", i+1, runID, ErrInvalid, k)
			}
		}
	}
	return nil
}

func createUnitsTx(ctx context.Context, tx *sql.Tx, d Dialect, runID int64, units []Unit) error {
	ins := newMultiInsert(tx, d, "work_units", []string{"run_id", "unit", "source", "symbols"}, "")
	for i, u := range units {
		syms := strings.Join(u.Symbols, " ")
		if err := ins.add(ctx, strconv.Itoa(i+1), 64+len(syms), runID, i+1, u.Source, syms); err != nil {
			return fmt.Errorf("store: create units of run %d: %w", runID, err)
		}
	}
	if err := ins.flush(ctx); err != nil {
		return fmt.Errorf("store: create units of run %d: %w", runID, err)
	}
	return nil
}

// claimable selects the units a claimant may take: pending, or claimed
// under a lease that has run out (by the server's clock).
const claimable = `(state = 'pending' OR state = 'claimed' AND lease_until < UTC_TIMESTAMP(6))`

// ClaimUnit claims the first claimable unit of source (any source when
// empty) in run runID for owner (on host) for lease, skipping units other
// claimants are claiming at this moment. ok is false when no unit is
// claimable, or the run is no longer running.
func (s *Store) ClaimUnit(ctx context.Context, runID int64, source, owner, host string, lease time.Duration) (u Unit, ok bool, err error) {
	if err := s.sharedOnly(); err != nil {
		return Unit{}, false, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		ok = false
		// A run recorded ended (interrupted, abandoned) has nothing more
		// to do: the next run starts from the watermarks. A plain read:
		// the run's row is not locked.
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, runID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) || err == nil && status != RunRunning {
			return nil
		}
		if err != nil {
			return err
		}
		var syms string
		err = tx.QueryRowContext(ctx, `SELECT unit, source, symbols, claims FROM work_units
			WHERE run_id = ? AND (? = '' OR source = ?) AND `+claimable+` ORDER BY unit LIMIT 1 FOR UPDATE SKIP LOCKED`,
			runID, source, source).Scan(&u.Number, &u.Source, &syms, &u.Claims)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE work_units SET state = 'claimed', owner = ?, host = ?,
			lease_until = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, claims = claims + 1
			WHERE run_id = ? AND unit = ?`, owner, host, lease.Microseconds(), runID, u.Number); err != nil {
			return err
		}
		u.RunID, u.Symbols, u.State, u.Owner, u.Host = runID, strings.Fields(syms), UnitClaimed, owner, host
		u.Claims++
		ok = true
		return nil
	})
	if err != nil {
		return Unit{}, false, fmt.Errorf("store: claim a unit of run %d: %w", runID, err)
	}
	return u, ok, nil
}

// RenewUnit extends owner's lease on a unit to lease from now. It returns
// an error wrapping ErrLeaseLost when the unit has passed to another owner
// or is done.
func (s *Store) RenewUnit(ctx context.Context, runID int64, number int, owner string, lease time.Duration) error {
	if err := s.sharedOnly(); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE work_units SET lease_until = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND
		WHERE run_id = ? AND unit = ? AND owner = ? AND state = 'claimed'`, lease.Microseconds(), runID, number, owner)
	if err != nil {
		return fmt.Errorf("store: renew lease of unit %d of run %d: %w", number, runID, err)
	}
	// Rows affected counts changed rows: a renewal within the same
	// microsecond changes nothing, which is not a loss.
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		if err := s.checkOwner(ctx, s.db.QueryRowContext, runID, number, owner, false); err != nil {
			return err
		}
	}
	return nil
}

// ReleaseUnit ends owner's lease on a unit it holds now, so that another
// host claims it at once: an owner that stops in the middle of a unit
// hands it over. A unit owner no longer holds is left as it is.
func (s *Store) ReleaseUnit(ctx context.Context, runID int64, number int, owner string) error {
	if err := s.sharedOnly(); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE work_units SET lease_until = UTC_TIMESTAMP(6) - INTERVAL 1 MICROSECOND
		WHERE run_id = ? AND unit = ? AND owner = ? AND state = 'claimed'`, runID, number, owner); err != nil {
		return fmt.Errorf("store: release unit %d of run %d: %w", number, runID, err)
	}
	return nil
}

// WriteUnit is Write with the unit's completion in the same transaction:
// the unit is recorded done, with done.Counts plus this write's counts,
// only if owner still holds it; otherwise nothing is committed and the
// error wraps ErrLeaseLost. An empty batch records the completion alone.
func (s *Store) WriteUnit(ctx context.Context, batch []Write, done UnitCompletion) (WriteResult, error) {
	if err := s.sharedOnly(); err != nil {
		return WriteResult{}, err
	}
	if err := validateBatch(batch); err != nil {
		return WriteResult{}, err
	}
	finish := func(ctx context.Context, tx *sql.Tx, res WriteResult) error { return s.finishUnit(ctx, tx, done, res) }
	res, err := s.write(ctx, batch, s.d.BulkLoad, finish)
	if errors.Is(err, errBulkRefused) {
		res, err = s.write(ctx, batch, nil, finish)
	}
	return res, err
}

func (s *Store) finishUnit(ctx context.Context, tx *sql.Tx, done UnitCompletion, res WriteResult) error {
	err := s.checkOwner(ctx, tx.QueryRowContext, done.RunID, done.Number, done.Owner, true)
	if errors.Is(err, errAlreadyDone) {
		// This transaction ran before and its COMMIT was lost with the
		// connection: the unit is done, with its counts.
		return nil
	}
	if err != nil {
		return err
	}
	c := done.Counts.Add(UnitCounts{Inserted: res.Inserted, Changed: res.Changed, Unchanged: res.Unchanged})
	_, err = tx.ExecContext(ctx, `UPDATE work_units SET state = 'done', lease_until = NULL, finished = UTC_TIMESTAMP(6),
		ok = ?, failed = ?, skipped = ?, inserted = ?, changed = ?, unchanged = ?, requests = ?, throttled = ?, retries = ?
		WHERE run_id = ? AND unit = ?`,
		c.OK, c.Failed, c.Skipped, c.Inserted, c.Changed, c.Unchanged, c.Requests, c.Throttled, c.Retries, done.RunID, done.Number)
	if err != nil {
		return fmt.Errorf("store: mark unit %d of run %d done: %w", done.Number, done.RunID, err)
	}
	if err := insertResults(ctx, tx, s.d, done.RunID, done.Results); err != nil {
		return fmt.Errorf("store: results of unit %d of run %d: %w", done.Number, done.RunID, err)
	}
	return nil
}

var errAlreadyDone = errors.New("unit already done by its owner")

// checkOwner returns nil when owner holds the unit and it is not done,
// errAlreadyDone when owner finished it, and an error wrapping
// ErrLeaseLost naming the holder otherwise. lock reads the row FOR UPDATE.
func (s *Store) checkOwner(ctx context.Context, query func(context.Context, string, ...any) *sql.Row, runID int64, number int, owner string, lock bool) error {
	q := `SELECT state, owner, host FROM work_units WHERE run_id = ? AND unit = ?`
	if lock {
		q += ` FOR UPDATE`
	}
	var state, holder, host string
	err := query(ctx, q, runID, number).Scan(&state, &holder, &host)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: unit %d of run %d: %w: no such unit", number, runID, ErrInvalid)
	case err != nil:
		return fmt.Errorf("store: read unit %d of run %d: %w", number, runID, err)
	case holder != owner:
		return fmt.Errorf("store: unit %d of run %d: %w: %s holds it now", number, runID, ErrLeaseLost, host)
	case state == UnitDone:
		if lock {
			return errAlreadyDone
		}
		return fmt.Errorf("store: unit %d of run %d: %w: it is done", number, runID, ErrLeaseLost)
	}
	return nil
}

// Units returns run runID's units in order.
func (s *Store) Units(ctx context.Context, runID int64) ([]Unit, error) {
	if err := s.sharedOnly(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT unit, source, symbols, state, owner, host, lease_until, claims, finished,
		ok, failed, skipped, inserted, changed, unchanged, requests, throttled, retries
		FROM work_units WHERE run_id = ? ORDER BY unit`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: units of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u := Unit{RunID: runID}
		var syms string
		var lease, fin sql.NullTime
		if err := rows.Scan(&u.Number, &u.Source, &syms, &u.State, &u.Owner, &u.Host, &lease, &u.Claims, &fin,
			&u.OK, &u.Failed, &u.Skipped, &u.Inserted, &u.Changed, &u.Unchanged, &u.Requests, &u.Throttled, &u.Retries); err != nil {
			return nil, fmt.Errorf("store: units of run %d: %w", runID, err)
		}
		u.Symbols, u.LeaseUntil, u.Finished = strings.Fields(syms), lease.Time, fin.Time
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: units of run %d: %w", runID, err)
	}
	return out, nil
}

// OpenUnitRuns returns the running runs that have a claimable unit, oldest
// first: what a host that is not running them can join.
func (s *Store) OpenUnitRuns(ctx context.Context) ([]int64, error) {
	if err := s.sharedOnly(); err != nil {
		return nil, err
	}
	return s.runIDs(ctx, "runs with open units", `SELECT DISTINCT u.run_id FROM work_units u JOIN runs r ON r.id = u.run_id
		WHERE r.status = ? AND `+claimable+` ORDER BY u.run_id`, RunRunning)
}

func (s *Store) sharedOnly() error {
	if !s.d.SkipLocked {
		return fmt.Errorf("store: %w: %s keeps a run on one host; work units need MySQL 8.0+ or MariaDB 10.6+", ErrSingleHost, s.d.Name)
	}
	return nil
}
