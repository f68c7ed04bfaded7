package validate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate/mailer"
)

// AlertStore keeps what was reported before, and reports whose email failed.
type AlertStore interface {
	SyncProblems(ctx context.Context, open []string, covers func(key string) bool, now time.Time) (map[string]store.ProblemState, []store.ProblemState, error)
	AddUnsentReport(ctx context.Context, r store.UnsentReport) error
	UnsentReports(ctx context.Context) ([]store.UnsentReport, error)
	DeleteUnsentReport(ctx context.Context, id int64) error
}

// Sender delivers an email; *mailer.Mailer is one.
type Sender interface {
	Send(ctx context.Context, msg mailer.Message) error
}

// Repeat policies: when to mail a problem that was already reported.
const (
	// RepeatDaily mails every open problem every run: a daily digest.
	RepeatDaily = "daily"
	// RepeatNewOnly mails only when a problem is new or one was resolved.
	RepeatNewOnly = "new_only"
)

// Policy says when a report is mailed.
type Policy struct {
	Repeat       string // RepeatDaily (default) or RepeatNewOnly
	SendAllClear bool   // mail a report with no problems too
}

// Track marks each problem of r as new or open since its first sighting,
// records the run's open problems, and lists in r what healed since the
// last run: only problems inside the run's scope (r.Checked) can heal.
func Track(ctx context.Context, st AlertStore, r *Report) error {
	ids := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		ids[i] = p.ID()
	}
	before, resolved, err := st.SyncProblems(ctx, ids, r.Checked.Covers, r.Generated)
	if err != nil {
		return err
	}
	for i := range r.Problems {
		if prev, ok := before[ids[i]]; ok {
			r.Problems[i].FirstSeen = prev.FirstSeen
		} else {
			r.Problems[i].New = true
		}
	}
	repaired := map[string]bool{}
	for _, p := range r.Repaired {
		repaired[p.ID()] = true
	}
	for _, p := range resolved {
		if !repaired[p.Key] { // listed as repaired already
			r.Resolved = append(r.Resolved, strings.ReplaceAll(p.Key, "|", " "))
		}
	}
	return nil
}

// ShouldSend applies the policy to a tracked report.
func (p Policy) ShouldSend(r *Report) bool {
	if r.Clean() {
		return p.SendAllClear || len(r.Resolved) > 0
	}
	if p.Repeat != RepeatNewOnly {
		return true
	}
	if len(r.Resolved) > 0 {
		return true
	}
	for _, pr := range r.Problems {
		if pr.New {
			return true
		}
	}
	return false
}

// Send mails r. When delivery fails after the sender's retries, the
// rendered report is kept in the database for `marketd validate --resend`
// and the error is returned.
func Send(ctx context.Context, st AlertStore, sender Sender, r *Report) error {
	text, err := r.Text()
	if err != nil {
		return fmt.Errorf("rendering the text report: %w", err)
	}
	html, err := r.HTML()
	if err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	msg := mailer.Message{Subject: r.Subject(), Text: text, HTML: html}
	if err := sender.Send(ctx, msg); err != nil {
		keep := store.UnsentReport{Created: r.Generated, Subject: msg.Subject, Text: text, HTML: html, Error: err.Error()}
		if kerr := st.AddUnsentReport(ctx, keep); kerr != nil {
			return fmt.Errorf("%w; and keeping it for --resend failed too: %w", err, kerr)
		}
		return fmt.Errorf("%w (kept: run `marketd validate --resend` to send it later)", err)
	}
	return nil
}

// Resend mails every kept report, oldest first, forgetting each once sent.
// It stops at the first failure.
func Resend(ctx context.Context, st AlertStore, sender Sender) (sent int, err error) {
	reports, err := st.UnsentReports(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range reports {
		if err := sender.Send(ctx, mailer.Message{Subject: r.Subject, Text: r.Text, HTML: r.HTML}); err != nil {
			return sent, err
		}
		if err := st.DeleteUnsentReport(ctx, r.ID); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}
