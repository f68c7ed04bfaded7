package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SharedRun is the ownership of a run shared as work units: the claimant
// that keeps the run's record (it renews a lease while it waits for the
// units, and writes the record when the last is done), and what every unit
// of the run does.
type SharedRun struct {
	RunID int64
	// Spec is what every unit does, in the encoding of the package that
	// shares the run (the collector's JSON): the store keeps it as given.
	Spec string
	// Owner is the claimant's identity, Host its name as units name it.
	Owner, Host string
	LeaseUntil  time.Time // zero once the run's record is written
	Takeovers   int       // how many times a host took the run over
}

// ShareRun stores run sr.RunID's units, numbered from 1 in order, and its
// ownership by sr.Owner under lease, in one transaction: a run is never
// shared without an owner that can be taken over.
func (s *Store) ShareRun(ctx context.Context, sr SharedRun, lease time.Duration, units []Unit) error {
	if err := s.sharedOnly(); err != nil {
		return err
	}
	if err := checkUnits(sr.RunID, units); err != nil {
		return err
	}
	if len(sr.Spec) > 1024 {
		return fmt.Errorf("store: share run %d: %w: spec of %d bytes, at most 1024", sr.RunID, ErrInvalid, len(sr.Spec))
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shared_runs (run_id, spec, owner, host, lease_until)
			VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)`,
			sr.RunID, sr.Spec, sr.Owner, sr.Host, lease.Microseconds()); err != nil {
			return fmt.Errorf("store: share run %d: %w", sr.RunID, err)
		}
		return createUnitsTx(ctx, tx, s.d, sr.RunID, units)
	})
}

// SharedRunOf returns run runID's ownership; false when the run was not
// shared (or was shared before ownership was recorded).
func (s *Store) SharedRunOf(ctx context.Context, runID int64) (SharedRun, bool, error) {
	if err := s.sharedOnly(); err != nil {
		return SharedRun{}, false, err
	}
	sr := SharedRun{RunID: runID}
	var lease sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT spec, owner, host, lease_until, takeovers FROM shared_runs WHERE run_id = ?`, runID).
		Scan(&sr.Spec, &sr.Owner, &sr.Host, &lease, &sr.Takeovers)
	if errors.Is(err, sql.ErrNoRows) {
		return SharedRun{}, false, nil
	}
	if err != nil {
		return SharedRun{}, false, fmt.Errorf("store: read owner of run %d: %w", runID, err)
	}
	sr.LeaseUntil = lease.Time
	return sr, true, nil
}

// RenewRun extends owner's lease on run runID to lease from now. It returns
// an error wrapping ErrLeaseLost when another host has taken the run over
// or its record is written.
func (s *Store) RenewRun(ctx context.Context, runID int64, owner string, lease time.Duration) error {
	if err := s.sharedOnly(); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE shared_runs SET lease_until = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND
		WHERE run_id = ? AND owner = ? AND lease_until IS NOT NULL`, lease.Microseconds(), runID, owner)
	if err != nil {
		return fmt.Errorf("store: renew lease of run %d: %w", runID, err)
	}
	// Rows affected counts changed rows: a renewal within the same
	// microsecond changes nothing, which is not a loss.
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		sr, ok, err := s.SharedRunOf(ctx, runID)
		switch {
		case err != nil:
			return err
		case !ok:
			return fmt.Errorf("store: run %d: %w: not shared", runID, ErrInvalid)
		case sr.Owner != owner:
			return fmt.Errorf("store: run %d: %w: %s keeps it now", runID, ErrLeaseLost, sr.Host)
		case sr.LeaseUntil.IsZero():
			return fmt.Errorf("store: run %d: %w: its record is written", runID, ErrLeaseLost)
		}
	}
	return nil
}

// ReleaseRun ends owner's lease on run runID now, so that a host working
// on the run takes it over at its next look instead of when the lease
// would have run out: an owner that stops hands the run over. released is
// false when owner no longer owns the run or its record is written.
func (s *Store) ReleaseRun(ctx context.Context, runID int64, owner string) (released bool, err error) {
	if err := s.sharedOnly(); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE shared_runs SET lease_until = UTC_TIMESTAMP(6) - INTERVAL 1 MICROSECOND
		WHERE run_id = ? AND owner = ? AND lease_until IS NOT NULL`, runID, owner)
	if err != nil {
		return false, fmt.Errorf("store: release run %d: %w", runID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: release run %d: %w", runID, err)
	}
	return n == 1, nil
}

// TakeOverRun makes owner (on host, process pid) the owner of run runID
// for lease when the lease of its owner has run out (by the server's
// clock) and the run is still running; ok is false otherwise. The run's
// record then names the new process, and its heartbeat is now: the run is
// not abandoned while the new owner keeps it.
func (s *Store) TakeOverRun(ctx context.Context, runID int64, owner, host string, pid int, lease time.Duration) (ok bool, err error) {
	if err := s.sharedOnly(); err != nil {
		return false, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		ok = false
		res, err := tx.ExecContext(ctx, `UPDATE shared_runs SET owner = ?, host = ?, takeovers = takeovers + 1,
			lease_until = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND
			WHERE run_id = ? AND lease_until < UTC_TIMESTAMP(6)`, owner, host, lease.Microseconds(), runID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE runs SET host = ?, pid = ?, heartbeat = ? WHERE id = ? AND status = ?`,
			host, pid, s.now().UTC(), runID, RunRunning)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errNotRunning // roll the takeover back
		}
		ok = true
		return nil
	})
	if errors.Is(err, errNotRunning) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: take over run %d: %w", runID, err)
	}
	return ok, nil
}

var errNotRunning = errors.New("run not running")

// FinishSharedRun is FinishRun for a shared run, by its owner: the run's
// ownership row is locked and the record written only if owner still owns
// it; the lease then ends, so no host can take the run over. Otherwise
// nothing is written and the error wraps ErrLeaseLost: the host that took
// the run over writes its record. Run again by the same owner (its COMMIT
// lost with the connection), it writes the same record again.
func (s *Store) FinishSharedRun(ctx context.Context, r *Run, owner string) error {
	if err := s.sharedOnly(); err != nil {
		return err
	}
	if r.ID == 0 {
		return fmt.Errorf("store: finish run of %s: %w: run was not started", r.Job, ErrInvalid)
	}
	if r.Finished.IsZero() {
		r.Finished = s.now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var holder, host string
		err := tx.QueryRowContext(ctx, `SELECT owner, host FROM shared_runs WHERE run_id = ? FOR UPDATE`, r.ID).Scan(&holder, &host)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: finish run %d: %w: not shared", r.ID, ErrInvalid)
		case err != nil:
			return fmt.Errorf("store: finish run %d: %w", r.ID, err)
		case holder != owner:
			return fmt.Errorf("store: finish run %d: %w: %s keeps it now", r.ID, ErrLeaseLost, host)
		}
		if err := s.finishRunTx(ctx, tx, r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shared_runs SET lease_until = NULL WHERE run_id = ?`, r.ID); err != nil {
			return fmt.Errorf("store: finish run %d: %w", r.ID, err)
		}
		return nil
	})
}

// OrphanedRuns returns the running shared runs whose owner's lease has run
// out, oldest first: a host working on one takes it over (TakeOverRun) and
// writes its record once its units are done.
func (s *Store) OrphanedRuns(ctx context.Context) ([]int64, error) {
	if err := s.sharedOnly(); err != nil {
		return nil, err
	}
	return s.runIDs(ctx, "runs whose owner is gone", `SELECT o.run_id FROM shared_runs o JOIN runs r ON r.id = o.run_id
		WHERE r.status = ? AND o.lease_until < UTC_TIMESTAMP(6) ORDER BY o.run_id`, RunRunning)
}

// runIDs runs query, which selects run ids, with args; what names the
// runs in an error.
func (s *Store) runIDs(ctx context.Context, what, query string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return ids, nil
}

// sharedRunExists reports whether run id was shared as work units (false
// on a database that cannot share runs).
func (s *Store) sharedRunExists(ctx context.Context, id int64) (bool, error) {
	if !s.d.SkipLocked {
		return false, nil
	}
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM shared_runs WHERE run_id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
