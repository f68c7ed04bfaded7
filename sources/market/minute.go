package market

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Interval is the span one bar covers: a day (the daily Bar) or a number of
// minutes (a MinuteBar). The zero Interval is invalid, so that a forgotten
// field is caught rather than read as some default.
type Interval uint8

// The intervals marketd stores. Yahoo serves every one; Naver's archive
// serves 1m and 1d.
const (
	Interval1m Interval = iota + 1
	Interval5m
	Interval60m
	Interval1d
)

var intervals = [...]struct {
	name    string
	minutes int
}{
	Interval1m:  {"1m", 1},
	Interval5m:  {"5m", 5},
	Interval60m: {"60m", 60},
	Interval1d:  {"1d", 0},
}

// Intervals lists the valid intervals, shortest first.
func Intervals() []Interval { return []Interval{Interval1m, Interval5m, Interval60m, Interval1d} }

// ParseInterval parses "1m", "5m", "60m" or "1d", the spellings of the
// command line, the config and Yahoo's interval parameter.
func ParseInterval(s string) (Interval, error) {
	for i, v := range intervals {
		if i != 0 && v.name == s {
			return Interval(i), nil
		}
	}
	return 0, fmt.Errorf("invalid interval %q: want 1m, 5m, 60m or 1d", s)
}

// ParseIntraday parses an instrument's intraday setting as the command
// line writes it: "1m", "5m" or "60m", or "off" (0: no minute bars).
func ParseIntraday(s string) (Interval, error) {
	if s == "off" {
		return 0, nil
	}
	if iv, err := ParseInterval(s); err == nil && iv.Intraday() {
		return iv, nil
	}
	return 0, fmt.Errorf("invalid intraday interval %q: want 1m, 5m, 60m or off", s)
}

// IntervalOfMinutes returns the intraday interval of n minutes: the form
// stores keep.
func IntervalOfMinutes(n int) (Interval, error) {
	for i, v := range intervals {
		if i != 0 && v.minutes != 0 && v.minutes == n {
			return Interval(i), nil
		}
	}
	return 0, fmt.Errorf("invalid interval of %d minutes: want 1, 5 or 60", n)
}

// Valid reports whether i is one of the defined intervals.
func (i Interval) Valid() bool { return i >= Interval1m && i <= Interval1d }

// String returns the interval's spelling ("5m"), or "Interval(N)" for an
// invalid one.
func (i Interval) String() string {
	if !i.Valid() {
		return fmt.Sprintf("Interval(%d)", uint8(i))
	}
	return intervals[i].name
}

// Intraday reports whether bars of i are MinuteBars rather than daily Bars.
func (i Interval) Intraday() bool { return i.Valid() && i != Interval1d }

// Minutes returns the length of an intraday interval in minutes, 0 for 1d
// and invalid intervals: a trading day has no fixed length.
func (i Interval) Minutes() int {
	if !i.Valid() {
		return 0
	}
	return intervals[i].minutes
}

// Duration returns the length of an intraday interval, 0 for 1d and
// invalid intervals.
func (i Interval) Duration() time.Duration { return time.Duration(i.Minutes()) * time.Minute }

// MarshalText implements encoding.TextMarshaler (JSON, YAML).
func (i Interval) MarshalText() ([]byte, error) {
	if !i.Valid() {
		return nil, fmt.Errorf("invalid interval %d", uint8(i))
	}
	return []byte(i.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler (JSON, YAML).
func (i *Interval) UnmarshalText(b []byte) error {
	v, err := ParseInterval(string(b))
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// MinuteBar is one intraday bar: the interval starting at Start. Start is
// an instant in UTC, never a wall clock: the exchange's zone applies only
// when the bar is shown. As in Bar, a field the source left out is missing,
// never 0 (Naver's minute archive has rows with the close alone).
type MinuteBar struct {
	Start  time.Time
	Open   sql.Null[Decimal]
	High   sql.Null[Decimal]
	Low    sql.Null[Decimal]
	Close  Decimal
	Volume sql.Null[int64]
}

// MinuteRequest asks a source for one instrument's intraday bars.
type MinuteRequest struct {
	Interval Interval  // 1m, 5m or 60m
	From, To time.Time // bars starting in [From, To)
	// PrePost includes the bars outside the regular session where the
	// source has them (Yahoo's pre- and post-market). Off by default: the
	// calendars, and so the validator, know only the regular session.
	PrePost bool
}

// Quote is one answer of a live price feed for one instrument: the last
// trade's price and the session's volume so far, as the source stamped
// them. Successive quotes make minute bars: the minute's close is its last
// quote's price, its volume the growth of the cumulative volume.
type Quote struct {
	At     time.Time // when the source says the price was traded, UTC
	Price  Decimal
	Volume int64 // cumulative over the session, not the minute's
}

// ErrBeyondReach is a request for intraday bars older than the source
// serves at that interval (the sources' MinuteReach). Permanent: asking
// again will not help; the bars are gone from that source.
var ErrBeyondReach = errors.New("beyond what the source serves at this interval")
