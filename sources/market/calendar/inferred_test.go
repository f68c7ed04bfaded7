package calendar

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Without a table, a date is a session when the quorum of instruments has
// a bar on it; the calendar answers from those dates alone.
func TestInferWithoutTable(t *testing.T) {
	mkt := market.Market{Code: "XWAR", Location: time.UTC}
	traded := map[market.Date]int{20261001: 3, 20261002: 2, 20261004: 1, 20261005: 3, 20261006: 2}
	c := Infer(mkt, nil, traded, 3)
	if got := fmt.Sprint(c.Sessions(20260930, 20261007)); got != "[2026-10-01 2026-10-02 2026-10-05 2026-10-06]" {
		t.Errorf("sessions %s: the Sunday one instrument traded is no session", got)
	}
	if c.IsSession(20261004) || !c.IsSession(20261002) || c.Covers(20261002) || c.LastYear() != 0 {
		t.Errorf("IsSession(Sunday) %v, IsSession(Friday) %v, Covers %v, LastYear %d", c.IsSession(20261004), c.IsSession(20261002), c.Covers(20261002), c.LastYear())
	}
	if c.Next(20261002) != 20261005 || c.Prev(20261005) != 20261002 || c.Next(20261006) != 0 || c.Prev(20261001) != 0 {
		t.Errorf("Next/Prev: %s %s %s %s", c.Next(20261002), c.Prev(20261005), c.Next(20261006), c.Prev(20261001))
	}
	// Today's bar may still move: the last closed session is before today.
	if got := c.LastClosed(time.Date(2026, 10, 6, 23, 0, 0, 0, time.UTC)); got != 20261005 {
		t.Errorf("LastClosed on the 6th = %s, want 2026-10-05", got)
	}
	// With one or two instruments, one bar makes a session.
	if got := fmt.Sprint(Infer(mkt, nil, traded, 2).Sessions(20261001, 20261006)); got != "[2026-10-01 2026-10-02 2026-10-04 2026-10-05 2026-10-06]" {
		t.Errorf("two instruments: sessions %s", got)
	}
}

// After a table's last year the sessions are inferred; before it the
// table decides, holidays and all.
func TestInferAfterTable(t *testing.T) {
	base, err := For("XSHG")
	if err != nil {
		t.Fatal(err)
	}
	if base.LastYear() != 2026 {
		t.Fatalf("XSHG ends with %d; the test assumes 2026", base.LastYear())
	}
	// Bars on New Year's Eve (a session in the table) and the first
	// January week; nobody traded on 1 January.
	traded := map[market.Date]int{20261231: 2, 20270104: 2, 20270105: 1, 20270106: 2}
	c := Infer(base.Market(), base, traded, 2)
	if got := fmt.Sprint(c.Sessions(20261230, 20270107)); got != "[2026-12-30 2026-12-31 2027-01-04 2027-01-05 2027-01-06]" {
		t.Errorf("sessions %s", got)
	}
	if c.From() != 20270101 || !c.Covers(20261231) || c.Covers(20270104) {
		t.Errorf("From %s, Covers(2026-12-31) %v, Covers(2027-01-04) %v", c.From(), c.Covers(20261231), c.Covers(20270104))
	}
	if c.Next(20261231) != 20270104 || c.Prev(20270104) != 20261231 || c.Prev(20270101) != 20261231 {
		t.Errorf("Next(12-31) %s, Prev(01-04) %s, Prev(01-01) %s", c.Next(20261231), c.Prev(20270104), c.Prev(20270101))
	}
	// Friday 8 January 16:00 Shanghai: the table's rules would say the 8th
	// closed; no bar is stored for it yet, so the last known session is the 6th.
	if got := c.LastClosed(time.Date(2027, 1, 8, 8, 0, 0, 0, time.UTC)); got != 20270106 {
		t.Errorf("LastClosed = %s, want 2027-01-06", got)
	}
	if r, ok := c.Holiday(20261001); !ok || r == "" {
		t.Errorf("Holiday(2026-10-01) = %q, %v; want the table's National Day", r, ok)
	}
}

// A market the registry lacks has no table, and the error says only what
// the registry says.
func TestNoTable(t *testing.T) {
	_, err := For("XWAR")
	if !errors.Is(err, ErrNoTable) || err.Error() != `calendar: unknown market "XWAR" (want a MIC such as XNYS, XKRX, XTKS, XLON or a name such as NYSE, KOSPI, JPX, LSE, XETRA)` {
		t.Errorf("For(XWAR) = %v", err)
	}
	_, err = NewBook(nil, nil).For(context.Background(), "XWAR")
	if !errors.Is(err, ErrNoTable) {
		t.Errorf("Book.For(XWAR) = %v, want ErrNoTable", err)
	}
}
