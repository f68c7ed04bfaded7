package calendar

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// SetCalendarOverride and DeleteCalendarOverride make memoryOverrides an
// OverrideWriter.
func (m memoryOverrides) SetCalendarOverride(_ context.Context, mic string, o Override) error {
	m[mic] = append(m[mic], o)
	return nil
}

func (m memoryOverrides) DeleteCalendarOverride(_ context.Context, mic string, d market.Date) (bool, error) {
	for i, o := range m[mic] {
		if o.Date == d {
			m[mic] = append(m[mic][:i], m[mic][i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

// Set stores what changes the calendar and refuses what would not; Reset
// deletes a stored override only, and says what the date is afterwards.
func TestBookSetReset(t *testing.T) {
	ctx := context.Background()
	stored := memoryOverrides{}
	b := NewBook([]MarketOverride{{Market: "KOSPI", Override: Override{Date: 20260602, Reason: "configured closure"}}}, stored)
	var refused *RefusedError
	if err := b.Set(ctx, stored, "KOSPI", Override{Date: 20261009, Reason: "again"}); !errors.As(err, &refused) ||
		err.Error() != "XKRX 2026-10-09 is already closed: Hangul Day" {
		t.Errorf("Set(closing a holiday) = %v, want a RefusedError", err)
	}
	if err := b.Set(ctx, stored, "KOSPI", Override{Date: 20261013, Reason: "storm"}); err != nil {
		t.Fatal(err)
	}
	if got := stored[market.XKRX]; len(got) != 1 || got[0] != (Override{Date: 20261013, Reason: "storm"}) {
		t.Errorf("stored %+v, want the 2026-10-13 closure under XKRX", got)
	}
	if _, _, err := b.Reset(ctx, stored, market.XKRX, 20260602); !errors.Is(err, ErrConfiguredOnly) {
		t.Errorf("Reset(configured) = %v, want ErrConfiguredOnly", err)
	}
	if _, _, err := b.Reset(ctx, stored, market.XKRX, 20260603); !errors.Is(err, ErrNotStored) {
		t.Errorf("Reset(none) = %v, want ErrNotStored", err)
	}
	was, now, err := b.Reset(ctx, stored, market.XKRX, 20261013)
	if err != nil || was.Reason != "storm" || was.Open || now != "a session" {
		t.Errorf("Reset(2026-10-13) = %+v, %q, %v; want the storm closure, now a session", was, now, err)
	}
	if _, _, err := b.Reset(ctx, stored, market.XKRX, 20261013); !errors.Is(err, ErrNotStored) {
		t.Errorf("Reset again = %v, want ErrNotStored", err)
	}
	cal, err := For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	if got := cal.Describe(20261009) + "; " + cal.Describe(20261010); got != "closed: Hangul Day; closed: a Saturday" {
		t.Errorf("Describe = %q", got)
	}
}

// The list shows each market's overrides by date, and which configured
// ones a stored one overrules.
func TestBookList(t *testing.T) {
	stored := memoryOverrides{market.XKRX: {{Date: 20260602, Open: true, Reason: "traded"}}}
	b := NewBook([]MarketOverride{
		{Market: "KOSPI", Override: Override{Date: 20260603, Reason: "election"}},
		{Market: market.XKRX, Override: Override{Date: 20260602, Reason: "configured"}},
		{Market: market.XNYS, Override: Override{Date: 20260602, Reason: "storm"}},
	}, stored)
	l, err := b.List(context.Background(), []string{market.XKRX})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := l.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	want := "MARKET  DATE        DAY     FROM                          REASON\n" +
		"XKRX    2026-06-02  closed  config (the database's wins)  configured\n" +
		"XKRX    2026-06-02  open    database                      traded\n" +
		"XKRX    2026-06-03  closed  config                        election\n"
	if out.String() != want || l.Summary() != "3 calendar overrides: 2 in the configuration file, 1 in the database" {
		t.Errorf("List(XKRX):\n%s%s\nwant\n%s", out.String(), l.Summary(), want)
	}
	if got := (OverrideList{Stored: 1}).Summary(); got != "1 calendar override: 0 in the configuration file, 1 in the database" {
		t.Errorf("one override's summary: %q", got)
	}
	all, err := b.List(context.Background(), nil)
	if err != nil || all.InFile != 3 || all.Stored != 1 {
		t.Errorf("List(every market) = %+v, %v; want 3 configured, 1 stored", all, err)
	}
}

// A year lists its closures, its sessions a month a line and how many of
// each the overrides made.
func TestYearOf(t *testing.T) {
	cal, err := For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	cal = cal.WithOverrides([]Override{{Date: 20261009, Open: true, Reason: "traded"}, {Date: 20261013, Reason: "storm"}})
	y, err := YearOf(cal, 2026)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := y.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  closed 2026-10-13 Tue  storm\n",
		"  Oct: 1 2 6 7 8 9 12 14 15",
		"XKRX 2026: 244 sessions (1 from overrides), 17 weekday closures (1 from overrides)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("WriteText lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := WriteMarkets(&out); err != nil || !strings.Contains(out.String(), "XKRX    KRX,KOSPI,KOSDAQ,XKOS               Asia/Seoul        2000-2027    Korea Exchange (KOSPI, KOSDAQ)\n") {
		t.Errorf("WriteMarkets: %v\n%s", err, out.String())
	}
}

func TestBookLastClosed(t *testing.T) {
	b := NewBook(nil, nil)
	// Saturday 2026-03-07 03:00 UTC: New York closed Friday; crypto's
	// last closed day is Friday too (UTC dates), and FX's.
	now := time.Date(2026, 3, 7, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		codes []string
		want  market.Date
	}{
		{[]string{market.XNYS}, 20260306},
		{[]string{market.XKRX, market.XNYS}, 20260306},
		{nil, 20260306},
	} {
		if got, err := b.LastClosed(context.Background(), tt.codes, now); err != nil || got != tt.want {
			t.Errorf("LastClosed(%v) = %s, %v; want %s", tt.codes, got, err, tt.want)
		}
	}
	if _, err := b.LastClosed(context.Background(), []string{"MOON"}, now); err == nil {
		t.Error("LastClosed(MOON) found a calendar")
	}
}
