package validate

import (
	"context"
	"errors"
	"fmt"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
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

// UnknownInstrumentError is an acknowledgement of an instrument the store
// does not have: it could never silence anything.
type UnknownInstrumentError struct{ Key market.Key }

func (e *UnknownInstrumentError) Error() string {
	return fmt.Sprintf("%s has no %s (see marketd symbols list)", e.Key.Source, e.Key.Symbol)
}

// AckStore is what CheckAckable reads and Acknowledge writes.
type AckStore interface {
	BarReader
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	AddAck(ctx context.Context, a store.Ack) error
}

// Acknowledge records a, once CheckAckable accepts it: the gap or bad bar
// it covers is kept with its reason and no longer reported.
func Acknowledge(ctx context.Context, cals Calendars, st AckStore, a store.Ack) error {
	if err := CheckAckable(ctx, cals, st, market.Key{Source: a.Source, Symbol: a.Symbol}, a.From, a.To); err != nil {
		return err
	}
	return st.AddAck(ctx, a)
}

// CheckAckable refuses to acknowledge what cannot be a problem: an
// instrument the store does not have (*UnknownInstrumentError), or dates
// CheckAck refuses on the calendar of its market, with its overrides
// (*NotAckableError).
func CheckAckable(ctx context.Context, cals Calendars, st AckStore, key market.Key, from, to market.Date) error {
	insts, err := st.Instruments(ctx, store.InstrumentFilter{Source: key.Source, Symbols: []string{key.Symbol}})
	if err != nil {
		return err
	}
	if len(insts) == 0 {
		return &UnknownInstrumentError{Key: key}
	}
	var cal AckCalendar
	switch c, err := cals(ctx, insts[0].Market); {
	case errors.Is(err, calendar.ErrNoTable):
	case err != nil:
		return err
	default:
		cal = c
	}
	return CheckAck(ctx, cal, st, insts[0], from, to)
}
