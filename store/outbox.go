package store

import (
	"context"
	"fmt"
	"time"
)

// UnsentReport is a validation email that could not be delivered.
type UnsentReport struct {
	ID         int64
	Created    time.Time
	Subject    string
	Text, HTML string
	Error      string
}

// AddUnsentReport keeps a report whose email failed, with why.
func (s *Store) AddUnsentReport(ctx context.Context, r UnsentReport) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO unsent_reports (created_at, subject, body_text, body_html, error) VALUES (?, ?, ?, ?, ?)`,
		r.Created.UTC(), r.Subject, r.Text, r.HTML, r.Error)
	if err != nil {
		return fmt.Errorf("store: keep unsent report %q: %w", r.Subject, err)
	}
	return nil
}

// UnsentReports returns the reports waiting to be sent, oldest first.
func (s *Store) UnsentReports(ctx context.Context) ([]UnsentReport, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, created_at, subject, body_text, body_html, error FROM unsent_reports ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: read unsent reports: %w", err)
	}
	defer rows.Close()
	var out []UnsentReport
	for rows.Next() {
		var r UnsentReport
		if err := rows.Scan(&r.ID, timeScanner{&r.Created}, &r.Subject, &r.Text, &r.HTML, &r.Error); err != nil {
			return nil, fmt.Errorf("store: read unsent reports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteUnsentReport forgets a report once it has been sent.
func (s *Store) DeleteUnsentReport(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM unsent_reports WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: forget unsent report %d: %w", id, err)
	}
	return nil
}
