package market

import (
	"database/sql"
	"errors"
)

// Bar is one instrument's trading session. Open, High, Low, AdjClose and
// Volume are nullable: a source that omits a field, or a halted session,
// leaves them invalid, and a missing value is never stored as 0.
type Bar struct {
	Date     Date
	Open     sql.Null[Decimal]
	High     sql.Null[Decimal]
	Low      sql.Null[Decimal]
	Close    Decimal
	AdjClose sql.Null[Decimal]
	Volume   sql.Null[int64]
	// Halted marks a session in which the instrument did not trade: the
	// close is carried over and open, high and low are missing. The
	// validator counts it as present, not as a gap or a bad bar.
	Halted bool
	// Final is false while the source may still restate the bar (the
	// collector's restatement window).
	Final bool
}

// Some returns a valid sql.Null holding v.
func Some[T any](v T) sql.Null[T] { return sql.Null[T]{V: v, Valid: true} }

// ActionKind says what a corporate action is.
type ActionKind string

// Corporate action kinds.
const (
	Dividend ActionKind = "dividend"
	Split    ActionKind = "split"
)

// Action is a dividend or a split on its ex-date.
type Action struct {
	Date   Date
	Kind   ActionKind
	Amount Decimal // dividend per share, in the instrument's currency
	// A split of Numerator for Denominator: 4:1 gives four new shares for one.
	Numerator   Decimal
	Denominator Decimal
}

// Note records a row a source could not use as it was: skipped entirely
// (no close) or kept with missing fields. It travels with the data so a
// run can report it per instrument and the validator can explain it.
type Note struct {
	Date    Date
	Skipped bool
	Reason  string
}

// Series is what a source returns for one instrument and one window.
type Series struct {
	Key      Key
	Currency string
	Bars     []Bar    // ascending by date, one per date
	Actions  []Action // ascending by date
	Notes    []Note
}

// Errors sources return, for callers to branch on with errors.Is.
var (
	// ErrNotFound: the source does not know the symbol (unknown or
	// delisted). Permanent: retrying will not help.
	ErrNotFound = errors.New("symbol not found")
	// ErrNoData: the source knows nothing for the window asked (before the
	// first listing, an unknown KRX code on an endpoint that answers
	// empty). Not a failure of the request.
	ErrNoData = errors.New("no data")
)
