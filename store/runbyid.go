package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// RunByID returns the run with id and its results; false when no run has
// that id.
func (s *Store) RunByID(ctx context.Context, id int64) (Run, bool, error) {
	var r Run
	var msg sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, job, host, started, finished, status, ok, failed, skipped,
		requests, throttled, retries, inserted, changed, unchanged, message FROM runs WHERE id = ?`, id).
		Scan(&r.ID, &r.Job, &r.Host, timeScanner{&r.Started}, timeScanner{&r.Finished}, &r.Status,
			&r.OK, &r.Failed, &r.Skipped, &r.Requests, &r.Throttled, &r.Retries,
			&r.Inserted, &r.Changed, &r.Unchanged, &msg)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("store: read run %d: %w", id, err)
	}
	r.Message = msg.String
	if r.Results, err = s.runResults(ctx, id); err != nil {
		return Run{}, false, fmt.Errorf("store: read results of run %d: %w", id, err)
	}
	return r, true, nil
}
