package calendar

import (
	"context"
	"errors"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

// OverrideWriter keeps the overrides that marketd calendar close, open and
// reset edit (the database).
type OverrideWriter interface {
	SetCalendarOverride(ctx context.Context, mic string, o Override) error
	DeleteCalendarOverride(ctx context.Context, mic string, d market.Date) (bool, error)
}

// RefusedError is an override that would change nothing (CheckOverride
// says why): the user's mistake, not a failure.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

var (
	// ErrConfiguredOnly: the date's override is in the configuration file,
	// which a reset cannot edit.
	ErrConfiguredOnly = errors.New("overridden in the configuration file, not the database")
	// ErrNotStored: the date has no stored override to reset.
	ErrNotStored = errors.New("no stored calendar override")
)

// Set records o for the market code in w, unless the calendar (with the
// overrides it has now) refuses it: a *RefusedError.
func (b *Book) Set(ctx context.Context, w OverrideWriter, code string, o Override) error {
	cal, err := b.For(ctx, code)
	if err != nil {
		return err
	}
	if err := cal.CheckOverride(o.Date, o.Open); err != nil {
		return &RefusedError{err}
	}
	return w.SetCalendarOverride(ctx, cal.Market().Code, o)
}

// Reset deletes the stored override of mic's date d from w and returns
// what it was and what the date is now. ErrConfiguredOnly when only the
// configuration file overrides d, ErrNotStored when nothing does (or
// another host reset it since the read).
func (b *Book) Reset(ctx context.Context, w OverrideWriter, mic string, d market.Date) (was Override, now string, err error) {
	found, err := b.Overrides(ctx, mic)
	if err != nil {
		return was, "", err
	}
	stored, inFile := false, false
	for _, o := range found {
		switch {
		case o.Date != d:
		case o.Stored:
			was, stored = o.Override, true
		default:
			inFile = true
		}
	}
	if !stored && inFile {
		return was, "", fmt.Errorf("%s %s: %w", mic, d, ErrConfiguredOnly)
	}
	deleted := false
	if stored {
		if deleted, err = w.DeleteCalendarOverride(ctx, mic, d); err != nil {
			return was, "", err
		}
	}
	if !deleted {
		return was, "", fmt.Errorf("%s %s: %w", mic, d, ErrNotStored)
	}
	cal, err := b.For(ctx, mic) // read after the delete
	if err != nil {
		return was, "", err
	}
	return was, cal.Describe(d), nil
}

// Describe says what d is on the calendar: "a session", "closed: REASON"
// or "closed: a Saturday".
func (c *Calendar) Describe(d market.Date) string {
	if reason, ok := c.Holiday(d); ok {
		return "closed: " + reason
	}
	if !c.IsSession(d) {
		return "closed: a " + d.Weekday().String()
	}
	return "a session"
}
