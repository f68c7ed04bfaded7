// Package calendar tells on which dates an exchange holds a regular session,
// and when each session opens and closes.
//
// The validator needs it to tell a missing bar (the market was open) from a
// closed market, and the collector to know which session has closed. Which
// calendar a market uses is a column of the market registry
// (market.Market.Calendar); markets that share an exchange's holidays share
// its table (Euronext's four cash markets, Shanghai and Shenzhen, NSE and
// BSE, TSX and TSX Venture, TWSE and TPEx).
//
// Holidays ship as data, one table per calendar (data/NAME.csv, sources
// cited in each header): most exchanges' closures follow lunar calendars,
// elections and government decisions that no rule computes. A table lists
// the weekday closures of the years it covers, the regular hours by era
// ("hours" lines: Tokyo closed at 15:00 until 2024-11-04), the midday breaks
// by era ("break" lines: Tokyo, Hong Kong, Shanghai and Shenzhen pause at
// noon; minute bars are expected around them) and the days with
// other hours (early closes, KRX's late openings, India's Saturday
// sessions). NYSE is the exception that proves the rule: its holidays are
// computed (xnys.go) and its table holds only unscheduled closures and early
// closes. Crypto (every day) and FX (every weekday) need no table.
//
// A table is complete only up to its last year. Beyond it (and before its
// first year) weekends and, for XKRX and XNYS, the fixed-date holidays still
// apply, but Calendar.Covers reports false so that the validator can warn
// that the table must be extended instead of reporting phantom gaps. Runtime
// corrections (a new temporary holiday, a typhoon, a listed holiday the
// exchange opened on) are applied without a release through
// Calendar.WithOverrides.
//
// A Calendar is immutable after construction and safe for concurrent use.
// Sessions are precomputed into a sorted slice and a per-day prefix count,
// so IsSession is O(1) and Sessions is O(result). Build one Calendar per
// market (For) and share it.
package calendar
