package calendar

import (
	"context"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

func TestCheckOverride(t *testing.T) {
	cal, err := For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		d    market.Date
		open bool
		want string
	}{
		{20260602, false, ""}, // a session can be closed
		{20260603, false, "XKRX 2026-06-03 is already closed: Local elections"},
		{20260606, false, "XKRX 2026-06-06 is already closed: a Saturday"},
		{20260603, true, ""}, // a holiday can be opened
		{20260606, true, "XKRX 2026-06-06 is a Saturday, not a holiday: calendar open reopens holidays"},
		{20260602, true, "XKRX 2026-06-02 is not a holiday: it is already a session"},
		// Outside the table no override is taken, like calendar show --year.
		{19990602, false, "XKRX 1999-06-02: the XKRX holiday table covers 2000 to 2027"},
		{20280602, false, "XKRX 2028-06-02: the XKRX holiday table covers 2000 to 2027; 2028's sessions are inferred from the stored bars by the validator"},
		{20281225, true, "XKRX 2028-12-25: the XKRX holiday table covers 2000 to 2027; 2028's sessions are inferred from the stored bars by the validator"},
		{20000315, false, ""},
		{20271229, false, ""},
	} {
		err := cal.CheckOverride(tt.d, tt.open)
		if got := errText(err); got != tt.want {
			t.Errorf("CheckOverride(%s, open %t) = %q, want %q", tt.d, tt.open, got, tt.want)
		}
	}
	if cal.FirstYear() != 2000 || cal.LastYear() != 2027 {
		t.Errorf("XKRX table years %d-%d, want 2000-2027", cal.FirstYear(), cal.LastYear())
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// memoryOverrides is an OverrideStore in memory.
type memoryOverrides map[string][]Override

func (m memoryOverrides) CalendarOverrides(_ context.Context, mic string) ([]Override, error) {
	return m[mic], nil
}

// The stored override of a date wins over the configured one, which wins
// over the table; an alias in the configuration names its market.
func TestBookOverrides(t *testing.T) {
	ctx := context.Background()
	b := NewBook([]MarketOverride{
		{Market: "KOSPI", Override: Override{Date: 20260602, Reason: "configured closure"}},
		{Market: market.XKRX, Override: Override{Date: 20260604, Reason: "configured closure"}},
		{Market: market.XNYS, Override: Override{Date: 20260602, Reason: "another market"}},
	}, memoryOverrides{market.XKRX: {{Date: 20260604, Open: true, Reason: "stored: traded after all"}}})
	cal, err := b.For(ctx, "XKRX")
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsSession(20260602) || !cal.IsSession(20260604) || cal.IsSession(20260603) || !cal.IsSession(20260605) {
		t.Errorf("sessions 2026-06-02..05: %t %t %t %t; want false (configured) false (table) true (stored wins) true",
			cal.IsSession(20260602), cal.IsSession(20260603), cal.IsSession(20260604), cal.IsSession(20260605))
	}
	found, err := b.Overrides(ctx, market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 || found[0].Market != market.XKRX || found[0].Stored || !found[2].Stored {
		t.Errorf("XKRX overrides: %+v; want the two configured (as XKRX) then the stored one", found)
	}
}
