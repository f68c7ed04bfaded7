package validate

import (
	"context"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

// NotAckableError is an acknowledgement refused because nothing on its
// date can ever be reported.
type NotAckableError struct {
	Date   market.Date
	Why    string // the weekday, and the holiday if the calendar names one
	Market string
	Key    market.Key
}

func (e *NotAckableError) Error() string {
	return fmt.Sprintf("%s (%s) is not an %s session and %s %s has no bar on it, so no gap or bad bar can be there",
		e.Date, e.Why, e.Market, e.Key.Source, e.Key.Symbol)
}

// AckCalendar is what CheckAck needs of a calendar.
type AckCalendar interface {
	Market() market.Market
	IsSession(d market.Date) bool
	Holiday(d market.Date) (reason string, ok bool)
}

// BarReader reads an instrument's stored bars.
type BarReader interface {
	Bars(ctx context.Context, key market.Key, from, to market.Date) ([]market.Bar, error)
}

// CheckAck refuses an acknowledgement of from..to for inst that could
// never silence a problem: each end must be a session of the instrument's
// market (a gap can be on it) or a date the instrument has a stored bar on
// (a bar dated on a closed day is a bad bar, and acknowledging it is how
// an operator accepts it). Ends, not every date: a range of gaps spans
// the holidays between them.
//
// cal is nil for a market with no holiday table: its sessions are
// inferred from the bars, so any date may be one.
func CheckAck(ctx context.Context, cal AckCalendar, bars BarReader, inst market.Instrument, from, to market.Date) error {
	if cal == nil {
		return nil
	}
	for _, d := range []market.Date{from, to} {
		if cal.IsSession(d) {
			continue
		}
		stored, err := bars.Bars(ctx, inst.Key, d, d)
		if err != nil {
			return fmt.Errorf("reading the bar of %s on %s: %w", inst.Key, d, err)
		}
		if len(stored) > 0 {
			continue
		}
		why := d.Weekday().String()
		if reason, ok := cal.Holiday(d); ok {
			why += ", " + reason
		}
		return &NotAckableError{Date: d, Why: why, Market: cal.Market().Code, Key: inst.Key}
	}
	return nil
}
