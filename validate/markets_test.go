package validate_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// onMarket is a Yahoo instrument on mic.
func onMarket(symbol, mic string) market.Instrument {
	return market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: symbol}, Market: mic, Active: true}
}

// storeDays stores a bar of each instrument on each of days, except the
// days left out for it.
func storeDays(t *testing.T, s *store.Store, days []market.Date, insts []market.Instrument, leftOut map[string][]market.Date) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	var writes []store.Write
	for n, in := range insts {
		w := store.Write{Key: in.Key}
		for i, d := range days {
			if !slices.Contains(leftOut[in.Symbol], d) {
				w.Bars = append(w.Bars, bar(d, int64(1000*(n+1)+i)))
			}
		}
		writes = append(writes, w)
	}
	if _, err := s.Write(ctx, writes); err != nil {
		t.Fatal(err)
	}
}

func daysFrom(from, to market.Date, keep func(market.Date) bool) []market.Date {
	var out []market.Date
	for d := from; d <= to; d = d.AddDays(1) {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

func everyDay(market.Date) bool { return true }

func weekday(d market.Date) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }

// validateSince runs the validator over since..the last closed session at now.
func validateSince(t *testing.T, s *store.Store, since market.Date, now time.Time) *validate.Report {
	t.Helper()
	r, err := validate.New(validate.Config{Since: since}, s, calendars, nil, now).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func summaries(r *validate.Report) []string {
	var out []string
	for _, m := range r.Markets {
		out = append(out, fmt.Sprintf("%s %s %s..%s: %d instruments, %d sessions, %d bars, %d gap sessions, %d market-wide, %d stale, %d bad; %q",
			m.Market, m.Source, m.From, m.To, m.Instruments, m.Sessions, m.Bars, m.GapSessions, m.MarketMissing, m.Stale, m.BadBars, m.Calendar))
	}
	return out
}

func check(t *testing.T, r *validate.Report, wantRows []row, wantSummaries []string) {
	t.Helper()
	if got := rows(r.Problems); fmt.Sprint(got) != fmt.Sprint(wantRows) {
		t.Errorf("problems:\n got %v\nwant %v\n%s", got, wantRows, details(r.Problems))
	}
	if got := summaries(r); fmt.Sprint(got) != fmt.Sprint(wantSummaries) {
		t.Errorf("summaries:\n got %q\nwant %q", got, wantSummaries)
	}
}

// A crypto pair trades every day, weekends included, on UTC dates: a
// month stored whole has no problem, and the days left out (a Saturday and
// a Tuesday) are gaps on exactly those dates.
func TestCryptoMonth(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		days := daysFrom(20261001, 20261031, everyDay)
		storeDays(t, s, days, []market.Instrument{onMarket("BTC-USD", market.CRYPTO), onMarket("ETH-USD", market.CRYPTO)},
			map[string][]market.Date{"BTC-USD": {20261010, 20261020}})
		// 00:30 UTC on 1 November: 31 October has closed.
		r := validateSince(t, s, 20261001, time.Date(2026, 11, 1, 0, 30, 0, 0, time.UTC))
		check(t, r, []row{
			{validate.KindGap, "yahoo BTC-USD", "2026-10-10", 1},
			{validate.KindGap, "yahoo BTC-USD", "2026-10-20", 1},
		}, []string{`CRYPTO yahoo 2026-10-01..2026-10-31: 2 instruments, 31 sessions, 60 bars, 2 gap sessions, 0 market-wide, 0 stale, 0 bad; ""`})
	})
}

// A Tokyo stock over October 2026, when 12 October (Sports Day) is closed:
// the month stored has no problem, the holiday is no gap, and the
// sessions left out are gaps on exactly those dates.
func TestTokyoOctober(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		cal, err := calendars(context.Background(), "XTKS")
		if err != nil {
			t.Fatal(err)
		}
		sessions := cal.Sessions(20261001, 20261030)
		if len(sessions) != 21 || slices.Contains(sessions, 20261012) {
			t.Fatalf("XTKS October 2026 = %d sessions %v; want 21 without 2026-10-12", len(sessions), sessions)
		}
		storeDays(t, s, sessions, []market.Instrument{onMarket("7203.T", "XTKS"), onMarket("6758.T", "XTKS")},
			map[string][]market.Date{"7203.T": {20261009, 20261020}})
		// Friday 30 October, 16:00 JST: after the 15:30 close.
		r := validateSince(t, s, 20261001, time.Date(2026, 10, 30, 7, 0, 0, 0, time.UTC))
		check(t, r, []row{
			{validate.KindGap, "yahoo 7203.T", "2026-10-09", 1},
			{validate.KindGap, "yahoo 7203.T", "2026-10-20", 1},
		}, []string{`XTKS yahoo 2026-10-01..2026-10-30: 2 instruments, 21 sessions, 40 bars, 2 gap sessions, 0 market-wide, 0 stale, 0 bad; ""`})

	})
}

// A market with no holiday table (XWAR is not in the registry) is checked
// on sessions inferred from its instruments' bars: a date two of its three
// instruments traded is a session, so the third missing it is a gap; one
// instrument's stray Sunday bar is no session for the others. A single
// instrument on such a market can have no gap, and the report says so.
func TestInferredCalendar(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		days := daysFrom(20261001, 20261030, weekday)
		storeDays(t, s, days, []market.Instrument{onMarket("PKO.WA", "XWAR"), onMarket("PZU.WA", "XWAR"), onMarket("CDR.WA", "XWAR")},
			map[string][]market.Date{"PZU.WA": {20261014}})
		ctx := context.Background()
		if _, err := s.Write(ctx, []store.Write{{Key: market.Key{Source: market.SourceYahoo, Symbol: "CDR.WA"}, Bars: []market.Bar{bar(20261018, 3012)}}}); err != nil {
			t.Fatal(err)
		}
		storeDays(t, s, daysFrom(20261001, 20261030, weekday), []market.Instrument{onMarket("OTP.BD", "XBUD")},
			map[string][]market.Date{"OTP.BD": {20261023}})
		r := validateSince(t, s, 20261001, time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC))
		check(t, r, []row{
			{validate.KindGap, "yahoo PZU.WA", "2026-10-14", 1},
		}, []string{
			`XBUD yahoo 2026-10-01..2026-10-30: 1 instruments, 21 sessions, 21 bars, 0 gap sessions, 0 market-wide, 0 stale, 0 bad; "no holiday table for XBUD and a single instrument: sessions inferred from its own bars, so no gap check was possible"`,
			`XWAR yahoo 2026-10-01..2026-10-30: 3 instruments, 22 sessions, 66 bars, 1 gap sessions, 0 market-wide, 0 stale, 0 bad; "no holiday table for XWAR: sessions inferred from the stored bars (a date is a session when 2 or more of the 3 instruments have a bar)"`,
		})
		text, err := r.Text()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"\nPROBLEMS\n\nXWAR\n- [gap] yahoo PZU.WA 2026-10-14: missing\n",
			"\n  calendar: no holiday table for XWAR: sessions inferred from the stored bars (a date is a session when 2 or more of the 3 instruments have a bar)\n",
			"\n  calendar: no holiday table for XBUD and a single instrument: sessions inferred from its own bars, so no gap check was possible\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("text report lacks %q:\n%s", want, text)
			}
		}
	})
}

// When a holiday table ends (XSHG's with 2026), the sessions after it are
// inferred from the bars, not invented from weekdays: New Year's Day,
// which nobody traded, is no market-wide gap; a day one instrument misses
// is a gap; and the report says the table ended.
func TestTableEnds(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		cal, err := calendars(context.Background(), "XSHG")
		if err != nil {
			t.Fatal(err)
		}
		if cal.LastYear() != 2026 {
			t.Fatalf("XSHG table ends with %d; the test assumes 2026", cal.LastYear())
		}
		days := append(cal.Sessions(20261221, 20261231), 20270104, 20270105, 20270106, 20270107, 20270108)
		storeDays(t, s, days, []market.Instrument{onMarket("600497.SS", "XSHG"), onMarket("600519.SS", "XSHG")},
			map[string][]market.Date{"600497.SS": {20270106}})
		// Friday 8 January 2027, 16:00 in Shanghai.
		r := validateSince(t, s, 20261221, time.Date(2027, 1, 8, 8, 0, 0, 0, time.UTC))
		check(t, r, []row{
			{validate.KindGap, "yahoo 600497.SS", "2027-01-06", 1},
			{validate.KindCalendar, "XSHG", "2027-01-01..2027-01-08", 0},
		}, []string{
			`XSHG yahoo 2026-12-21..2027-01-08: 2 instruments, 14 sessions, 27 bars, 1 gap sessions, 0 market-wide, 0 stale, 0 bad; "holiday table to 2026; sessions from 2027-01-01 inferred from the stored bars"`,
		})
		for _, p := range r.Problems {
			if want := "the XSHG holiday table ends with 2026: sessions from 2027-01-01 on are inferred from the stored bars, not from the calendar; a marketd release with the next year's table checks them again"; p.Kind == validate.KindCalendar && p.Detail != want {
				t.Errorf("calendar problem %q, want %q", p.Detail, want)
			}
		}
	})
}

// A KRX session is expected once its bar has settled (20:00 Seoul, after
// the after-hours session), as collect fetches it then: at 17:00 the day's
// missing bars are no problem yet, at 21:00 they are (the source returned
// nothing for the market). 2026-10-05 is a substitute holiday.
func TestSessionExpectedOnceSettled(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		cal, err := calendars(context.Background(), market.XKRX)
		if err != nil {
			t.Fatal(err)
		}
		storeDays(t, s, cal.Sessions(20261005, 20261007), []market.Instrument{onMarket("005930.KS", market.XKRX), onMarket("000660.KS", market.XKRX)}, nil)
		kst := time.FixedZone("KST", 9*3600)
		r := validateSince(t, s, 20261005, time.Date(2026, 10, 8, 17, 0, 0, 0, kst))
		check(t, r, nil, []string{`XKRX yahoo 2026-10-05..2026-10-07: 2 instruments, 2 sessions, 4 bars, 0 gap sessions, 0 market-wide, 0 stale, 0 bad; ""`})
		r = validateSince(t, s, 20261005, time.Date(2026, 10, 8, 21, 0, 0, 0, kst))
		check(t, r, []row{{validate.KindDrift, "yahoo XKRX", "2026-10-08", 1}},
			[]string{`XKRX yahoo 2026-10-05..2026-10-08: 2 instruments, 3 sessions, 4 bars, 0 gap sessions, 1 market-wide, 0 stale, 0 bad; ""`})
	})
}
