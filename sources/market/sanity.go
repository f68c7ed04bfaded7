package market

import "fmt"

// BadBar says why b cannot be a real session, or "" when it can: a close
// of 0 or below, a negative open, high, low, adjusted close or volume, or a
// high below the low. Every source's bars pass this one rule before they
// are stored; a source's own conventions (Naver's zeros for a halt) are
// applied before it.
func BadBar(b Bar) string {
	switch {
	case b.Close <= 0:
		return fmt.Sprintf("close %s is not positive", b.Close)
	case b.Volume.Valid && b.Volume.V < 0:
		return fmt.Sprintf("volume %d is negative", b.Volume.V)
	case b.High.Valid && b.Low.Valid && b.High.V < b.Low.V:
		return fmt.Sprintf("high %s is below low %s", b.High.V, b.Low.V)
	}
	for _, p := range []struct {
		name string
		v    Decimal
		ok   bool
	}{{"open", b.Open.V, b.Open.Valid}, {"high", b.High.V, b.High.Valid}, {"low", b.Low.V, b.Low.Valid}, {"adjusted close", b.AdjClose.V, b.AdjClose.Valid}} {
		if p.ok && p.v < 0 {
			return fmt.Sprintf("%s %s is negative", p.name, p.v)
		}
	}
	return ""
}

// DropBadBars returns bars without those BadBar rejects, and a skip note
// for each: one impossible row costs its own session, never the rest of
// the answer. bars is not modified.
func DropBadBars(bars []Bar) ([]Bar, []Note) {
	var notes []Note
	out := bars
	for i, b := range bars {
		reason := BadBar(b)
		if reason == "" {
			if notes != nil {
				out = append(out, b)
			}
			continue
		}
		if notes == nil {
			out = append(make([]Bar, 0, len(bars)-1), bars[:i]...)
		}
		notes = append(notes, Note{Date: b.Date, Skipped: true, Reason: "bad row: " + reason})
	}
	return out, notes
}
