package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Run statuses.
const (
	RunRunning     = "running"
	RunOK          = "ok"
	RunFailed      = "failed"
	RunPartial     = "partial"
	RunInterrupted = "interrupted"
	RunClosed      = "closed"
	// RunProblems is a validation that ran to the end and found problems:
	// the job worked, the data did not. Its results list them (status
	// --run ID).
	RunProblems = "problems"
	// RunAbandoned is a run whose process died before recording its end
	// (AbandonGone).
	RunAbandoned = "abandoned"
)

// Run is one execution of a job, kept for status and catch-up.
type Run struct {
	ID                           int64
	Job, Host                    string
	PID                          int       // the process running it, on Host
	Heartbeat                    time.Time // its last sign of life while running
	Started, Finished            time.Time
	Status                       string
	OK, Failed, Skipped          int
	Requests, Throttled, Retries int
	Inserted, Changed, Unchanged int
	Message                      string
	Results                      []RunResult
}

// RunResult is one instrument's outcome within a run.
type RunResult struct {
	Key      market.Key
	Status   string // ok failed nodata skipped
	From, To market.Date
	Rows     int
	Error    string
}

// StartRun records r as started and sets r.ID. A zero Started is now;
// an empty Status is "running".
func (s *Store) StartRun(ctx context.Context, r *Run) error {
	if r.Job == "" {
		return fmt.Errorf("store: start run: %w: empty job", ErrInvalid)
	}
	if r.Started.IsZero() {
		r.Started = s.now()
	}
	if r.Status == "" {
		r.Status = RunRunning
	}
	r.Heartbeat = r.Started
	res, err := s.db.ExecContext(ctx, `INSERT INTO runs (job, host, pid, heartbeat, started, status, message) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.Job, r.Host, r.PID, r.Heartbeat.UTC(), r.Started.UTC(), r.Status, r.Message)
	if err != nil {
		return fmt.Errorf("store: start run of %s: %w", r.Job, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store: start run of %s: %w", r.Job, err)
	}
	r.ID = id
	return nil
}

// FinishRun stores r's outcome, counts and per-instrument results in one
// transaction. A zero Finished is now.
func (s *Store) FinishRun(ctx context.Context, r *Run) error {
	if r.ID == 0 {
		return fmt.Errorf("store: finish run of %s: %w: run was not started", r.Job, ErrInvalid)
	}
	if r.Finished.IsZero() {
		r.Finished = s.now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.finishRunTx(ctx, tx, r) })
}

// finishRunTx writes r's outcome and results in tx.
func (s *Store) finishRunTx(ctx context.Context, tx *sql.Tx, r *Run) error {
	_, err := tx.ExecContext(ctx, `UPDATE runs SET finished = ?, status = ?, ok = ?, failed = ?, skipped = ?,
		requests = ?, throttled = ?, retries = ?, inserted = ?, changed = ?, unchanged = ?, message = ?
		WHERE id = ?`,
		r.Finished.UTC(), r.Status, r.OK, r.Failed, r.Skipped, r.Requests, r.Throttled, r.Retries,
		r.Inserted, r.Changed, r.Unchanged, r.Message, r.ID)
	if err != nil {
		return fmt.Errorf("store: finish run %d of %s: %w", r.ID, r.Job, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM run_results WHERE run_id = ?`, r.ID); err != nil {
		return fmt.Errorf("store: finish run %d of %s: %w", r.ID, r.Job, err)
	}
	if err := insertResults(ctx, tx, s.d, r.ID, r.Results); err != nil {
		return fmt.Errorf("store: finish run %d of %s: %w", r.ID, r.Job, err)
	}
	return nil
}

var resultKey = []string{"run_id", "source", "symbol"}

// insertResults stores run id's per-instrument results, replacing any
// the run already has for the same instruments.
func insertResults(ctx context.Context, tx *sql.Tx, d Dialect, id int64, results []RunResult) error {
	ins := newMultiInsert(tx, d, "run_results", append(slices.Clone(resultKey), "status", "from_date", "to_date", "row_count", "error"),
		d.upsert(resultKey, []string{"status", "from_date", "to_date", "row_count", "error"}))
	for _, rr := range results {
		err := ins.add(ctx, rr.Key.String(), 200+2*(len(rr.Key.Symbol)+len(rr.Error)), id, rr.Key.Source, rr.Key.Symbol,
			rr.Status, nullDateArg(rr.From), nullDateArg(rr.To), rr.Rows, rr.Error)
		if err != nil {
			return err
		}
	}
	return ins.flush(ctx)
}

// Runs returns job's most recent runs (every job's when job is empty),
// newest first, at most limit (all when limit <= 0), with their results.
func (s *Store) Runs(ctx context.Context, job string, limit int) ([]Run, error) {
	query := runSelect
	var args []any
	if job != "" {
		query += ` WHERE job = ?`
		args = append(args, job)
	}
	query += ` ORDER BY started DESC, id DESC`
	if limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read runs of %q: %w", job, err)
	}
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: read runs of %q: %w", job, err)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read runs of %q: %w", job, err)
	}
	for i := range out {
		if out[i].Results, err = s.runResults(ctx, out[i].ID); err != nil {
			return nil, fmt.Errorf("store: read results of run %d: %w", out[i].ID, err)
		}
	}
	return out, nil
}

// RunByID returns the run with id and its results; false when no run has
// that id.
func (s *Store) RunByID(ctx context.Context, id int64) (Run, bool, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, runSelect+` WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("store: read run %d: %w", id, err)
	}
	if r.Results, err = s.runResults(ctx, id); err != nil {
		return Run{}, false, fmt.Errorf("store: read results of run %d: %w", id, err)
	}
	return r, true, nil
}

const runSelect = `SELECT id, job, host, pid, heartbeat, started, finished, status, ok, failed, skipped, requests, throttled, retries,
		inserted, changed, unchanged, message FROM runs`

// scanRun reads one row of runSelect through scan (a Row's or Rows' Scan).
func scanRun(scan func(dest ...any) error) (Run, error) {
	var r Run
	var msg sql.NullString
	err := scan(&r.ID, &r.Job, &r.Host, &r.PID, timeScanner{&r.Heartbeat}, timeScanner{&r.Started}, timeScanner{&r.Finished}, &r.Status,
		&r.OK, &r.Failed, &r.Skipped, &r.Requests, &r.Throttled, &r.Retries,
		&r.Inserted, &r.Changed, &r.Unchanged, &msg)
	r.Message = msg.String
	return r, err
}

func (s *Store) runResults(ctx context.Context, id int64) ([]RunResult, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, symbol, status, from_date, to_date, row_count, error
		FROM run_results WHERE run_id = ? ORDER BY source, symbol`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RunResult
	for rows.Next() {
		var rr RunResult
		var msg sql.NullString
		if err := rows.Scan(&rr.Key.Source, &rr.Key.Symbol, &rr.Status, dateScanner{&rr.From}, dateScanner{&rr.To},
			&rr.Rows, &msg); err != nil {
			return nil, err
		}
		rr.Error = msg.String
		out = append(out, rr)
	}
	return out, rows.Err()
}

// LastSuccess returns when the latest run of job with status "ok" started.
func (s *Store) LastSuccess(ctx context.Context, job string) (time.Time, bool, error) {
	return s.LastRunWith(ctx, job, RunOK)
}

// LastRunWith returns when the latest run of job with one of the given
// statuses (one at least) started.
func (s *Store) LastRunWith(ctx context.Context, job string, statuses ...string) (time.Time, bool, error) {
	args := []any{job}
	for _, st := range statuses {
		args = append(args, st)
	}
	var t time.Time
	err := s.db.QueryRowContext(ctx, `SELECT started FROM runs WHERE job = ? AND status IN `+placeholders(len(statuses))+`
		ORDER BY started DESC LIMIT 1`, args...).Scan(timeScanner{&t})
	if err == sql.ErrNoRows {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: last %v run of %s: %w", statuses, job, err)
	}
	return t, true, nil
}
