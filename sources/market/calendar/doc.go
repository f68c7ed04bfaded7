// Package calendar tells on which dates an exchange holds a regular session.
//
// The validator needs it to tell a missing bar (the market was open) from a
// closed market, and the collector to know which session has closed. No Go
// library carries Korea Exchange holidays: they follow the lunar calendar,
// elections and ad hoc government decisions, so they cannot be computed and
// ship here as data (data/xkrx.csv, one closure per line, each source cited).
// NYSE holidays follow fixed rules, computed in code, plus a short list of
// unscheduled closures (data/xnys_special.csv).
//
// A table is complete only up to its last year. Beyond it (and before its
// first year) weekends and the fixed-date holidays still apply, but
// Calendar.Covers reports false so that the validator can warn that the table
// must be extended instead of reporting phantom gaps. Runtime corrections
// (a new temporary holiday, a listed holiday the exchange opened on) are
// applied without a release through Calendar.WithOverrides.
//
// A Calendar is immutable after construction and safe for concurrent use.
// Sessions are precomputed into a sorted slice and a per-day prefix count,
// so IsSession is O(1) and Sessions is O(result). Build one Calendar per
// market (For) and share it.
package calendar
