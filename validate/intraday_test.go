package validate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// minuteDay is what one instrument has stored on one session: its daily
// bar (or none), and which of the calendar's bar starts have a minute bar.
type minuteDay struct {
	noDaily bool
	idle    bool // the daily bar has volume 0: no trade
	keep    func(i int) bool
}

func every(int) bool { return true }
func none(int) bool  { return false }

// firstN keeps the first n bars of the session.
func firstN(n int) func(int) bool { return func(i int) bool { return i < n } }

// storeIntraday stores, for each instrument, a daily bar and 1m bars on
// every session of sessions as days says (every bar when days has no
// entry for the session).
func storeIntraday(t *testing.T, s *store.Store, cal *calendar.Calendar, in market.Instrument, sessions []market.Date, days map[market.Date]minuteDay) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.AddInstruments(ctx, []market.Instrument{in}); err != nil {
		t.Fatal(err)
	}
	var daily []market.Bar
	iv := in.Intraday
	if iv == 0 {
		iv = market.Interval1m // collection off, bars stored earlier
	}
	w := store.MinuteWrite{Key: in.Key, Interval: iv}
	for i, d := range sessions {
		day, ok := days[d]
		if !ok {
			day = minuteDay{keep: every}
		}
		if !day.noDaily {
			b := bar(d, int64(1000+i))
			if day.idle {
				b.Volume = market.Some[int64](0)
			}
			daily = append(daily, b)
		}
		for j, start := range cal.BarStarts(d, iv) {
			if day.keep(j) {
				w.Bars = append(w.Bars, market.MinuteBar{Start: start, Close: market.DecimalFromInt(1000), Volume: market.Some[int64](10)})
			}
		}
	}
	if _, err := s.Write(ctx, []store.Write{{Key: in.Key, Bars: daily}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteMinutes(ctx, []store.MinuteWrite{w}); err != nil {
		t.Fatal(err)
	}
}

func sessionsOf(t *testing.T, code string, from, to market.Date, want int) (*calendar.Calendar, []market.Date) {
	t.Helper()
	cal, err := calendar.For(code)
	if err != nil {
		t.Fatal(err)
	}
	ss := cal.Sessions(from, to)
	if len(ss) != want {
		t.Fatalf("%s %s..%s: %d sessions %v, the test assumes %d", code, from, to, len(ss), ss, want)
	}
	return cal, ss
}

func coverageRows(cs []validate.IntradayCoverage) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s %s %s %s..%s %d %d/%d %.4f %v %d %d", c.Market, c.Who(), c.Interval, c.From, c.To,
			c.Sessions, c.Stored, c.Expected, c.Median, c.Illiquid, c.GapSessions, c.ThinSessions)
	}
	return out
}

// krxMinutes stores a KRX window of six sessions, 2026-01-02 (the year's
// first session, opening at 10:00: 330 minutes) to 2026-01-09, for:
//   - 005930, liquid: 01-06 with no minute bar (its daily bar is there), 01-07
//     thinned to 300 of 390;
//   - 000660, liquid and complete, 01-02's 330 minutes included;
//   - 0193T0, illiquid (100 minutes a session): no minute bar on 01-05,
//     a day without trades (volume 0), nor on 01-08, a day it traded;
//   - 005380, liquid: neither a daily nor a minute bar on 01-08;
//   - 035720, which no longer collects minute bars: none on 01-06.
func krxMinutes(t *testing.T, s *store.Store) {
	cal, ss := sessionsOf(t, market.XKRX, 20260102, 20260109, 6)
	on := func(sym string, iv market.Interval) market.Instrument {
		return market.Instrument{Key: key(sym), Market: market.XKRX, Board: "KOSPI", Active: true, Intraday: iv}
	}
	storeIntraday(t, s, cal, on("005930", market.Interval1m), ss, map[market.Date]minuteDay{
		20260106: {keep: none}, 20260107: {keep: firstN(300)},
	})
	storeIntraday(t, s, cal, on("000660", market.Interval1m), ss, nil)
	thin := minuteDay{keep: firstN(100)}
	storeIntraday(t, s, cal, on("0193T0", market.Interval1m), ss, map[market.Date]minuteDay{
		20260102: thin, 20260105: {idle: true, keep: none}, 20260106: thin, 20260107: thin, 20260108: {keep: none}, 20260109: thin,
	})
	storeIntraday(t, s, cal, on("005380", market.Interval1m), ss, map[market.Date]minuteDay{20260108: {noDaily: true, keep: none}})
	storeIntraday(t, s, cal, on("035720", 0), ss, map[market.Date]minuteDay{20260106: {keep: none}})
}

var krxNow = time.Date(2026, 1, 9, 22, 0, 0, 0, time.FixedZone("KST", 9*3600))

// validateAt runs one validation at now.
func validateAt(t *testing.T, s *store.Store, cfg validate.Config, repairer validate.Repairer, now time.Time) *validate.Report {
	t.Helper()
	r, err := validate.New(cfg, s, calendars, repairer, now).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIntradayKRX(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		krxMinutes(t, s)
		reach := func(market.Key, market.Interval) time.Duration { return 30 * 24 * time.Hour }
		r := validateAt(t, s, validate.Config{Lookback: 6, MinuteReach: reach}, nil, krxNow)
		want := []row{
			{validate.KindGap, "naver 005380", "2026-01-08", 1},
			{validate.KindIntradayGap, "naver 005380", "2026-01-08", 1},
			{validate.KindIntradayGap, "naver 005930", "2026-01-06", 1},
			{validate.KindIntradayGap, "naver 0193T0", "2026-01-08", 1},
			{validate.KindIntradayThin, "naver 005930", "2026-01-07", 1},
		}
		if got := rows(r.Problems); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("problems:\n got %v\nwant %v\n%s", got, want, details(r.Problems))
		}
		// 005930: 330 + 390 + 0 + 300 + 390 + 390 of 330 + 5 × 390.
		// 0193T0: five sessions due (01-05 had no trade), 4 × 100 of
		// 330 + 4 × 390; median of 100/330 and three 100/390.
		wantCov := []string{
			"XKRX naver 000660 1m 2026-01-02..2026-01-09 6 2280/2280 1.0000 false 0 0",
			"XKRX naver 005380 1m 2026-01-02..2026-01-09 6 1890/2280 1.0000 false 1 0",
			"XKRX naver 005930 1m 2026-01-02..2026-01-09 6 1800/2280 1.0000 false 1 1",
			"XKRX naver 0193T0 1m 2026-01-02..2026-01-09 5 400/1890 0.2564 true 1 0",
		}
		if got := coverageRows(r.Intraday); fmt.Sprint(got) != fmt.Sprint(wantCov) {
			t.Errorf("coverage:\n got %q\nwant %q", got, wantCov)
		}
		var cmds []string
		for _, p := range r.Problems {
			cmds = append(cmds, p.RepairCommand())
		}
		wantCmds := []string{
			"marketd backfill --source naver --symbols 005380 --from 2026-01-08 --to 2026-01-08",
			"marketd backfill --source naver --symbols 005380 --interval 1m --from 2026-01-08 --to 2026-01-08",
			"marketd backfill --source naver --symbols 005930 --interval 1m --from 2026-01-06 --to 2026-01-06",
			"marketd backfill --source naver --symbols 0193T0 --interval 1m --from 2026-01-08 --to 2026-01-08",
			"marketd backfill --source naver --symbols 005930 --interval 1m --from 2026-01-07 --to 2026-01-07 --force",
		}
		if fmt.Sprint(cmds) != fmt.Sprint(wantCmds) {
			t.Errorf("repair commands:\n got %q\nwant %q", cmds, wantCmds)
		}
		if d := r.Problems[4].Detail; d != "1m bars stored below 90% of the session's (stored/expected): 2026-01-07 300/390" {
			t.Errorf("thin detail %q", d)
		}
	})
}

// TestIntradayShortWindow: a one-session window still judges liquidity
// over the last 20 sessions: 005930's thin 01-07 is reported, not taken
// for its normal.
func TestIntradayShortWindow(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		krxMinutes(t, s)
		// Two days earlier, the later daily bars are dated in the future:
		// bad bars, not this test's concern.
		r := validateAt(t, s, validate.Config{Lookback: 1}, nil, krxNow.AddDate(0, 0, -2))
		var minutes []validate.Problem
		for _, p := range r.Problems {
			if p.Intraday() {
				minutes = append(minutes, p)
			}
		}
		want := []row{{validate.KindIntradayThin, "naver 005930", "2026-01-07", 1}}
		if got := rows(minutes); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("problems %v, want %v\n%s", got, want, details(r.Problems))
		}
		// Medians over 01-02, 01-05 and 01-07 (0193T0: 100/330 and two 100/390).
		wantCov := []string{
			"XKRX naver 000660 1m 2026-01-07..2026-01-07 1 390/390 1.0000 false 0 0",
			"XKRX naver 005380 1m 2026-01-07..2026-01-07 1 390/390 1.0000 false 0 0",
			"XKRX naver 005930 1m 2026-01-07..2026-01-07 1 300/390 1.0000 false 0 1",
			"XKRX naver 0193T0 1m 2026-01-07..2026-01-07 1 100/390 0.2564 true 0 0",
		}
		if got := coverageRows(r.Intraday); fmt.Sprint(got) != fmt.Sprint(wantCov) {
			t.Errorf("coverage:\n got %q\nwant %q", got, wantCov)
		}
	})
}

// TestIntradayBeyondReach: a session older than the source serves is
// reported without a repair command, and the validator's self-repair
// (daily backfills) never touches minute problems.
func TestIntradayBeyondReach(t *testing.T) {
	s := storetest.OpenSQLite(t)
	krxMinutes(t, s)
	// Two days back from 01-09 22:00 KST: 01-07 is the oldest date served.
	reach := func(market.Key, market.Interval) time.Duration { return 48 * time.Hour }
	f := &repairLog{}
	r := validateAt(t, s, validate.Config{Lookback: 6, MinuteReach: reach, RepairBudget: 100}, f, krxNow)
	got := map[string]string{}
	for _, p := range r.Problems {
		if p.Intraday() {
			got[p.ID()] = p.RepairCommand()
		}
	}
	want := map[string]string{
		"intraday gap|naver|005380|2026-01-08":  "marketd backfill --source naver --symbols 005380 --interval 1m --from 2026-01-08 --to 2026-01-08",
		"intraday gap|naver|005930|2026-01-06":  "",
		"intraday gap|naver|0193T0|2026-01-08":  "marketd backfill --source naver --symbols 0193T0 --interval 1m --from 2026-01-08 --to 2026-01-08",
		"intraday thin|naver|005930|2026-01-07": "marketd backfill --source naver --symbols 005930 --interval 1m --from 2026-01-07 --to 2026-01-07 --force",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("repair commands:\n got %v\nwant %v", got, want)
	}
	for _, p := range r.Problems {
		if p.ID() == "intraday gap|naver|005930|2026-01-06" && !strings.HasSuffix(p.Detail, "; naver serves 1m bars back to 2026-01-07 only: acknowledge what is older (marketd gaps ack)") {
			t.Errorf("detail %q", p.Detail)
		}
	}
	if fmt.Sprint(f.calls) != "[naver:005380 2026-01-08..2026-01-08]" {
		t.Errorf("self-repair calls %v, want the daily gap's alone", f.calls)
	}
}

// repairLog records the repairs asked of it and repairs nothing.
type repairLog struct{ calls []string }

func (l *repairLog) Repair(_ context.Context, k market.Key, _ string, from, to market.Date) (int, error) {
	l.calls = append(l.calls, fmt.Sprintf("%s %s..%s", k, from, to))
	return 1, nil
}

// TestIntradayAcked: an acknowledged session is not reported.
func TestIntradayAcked(t *testing.T) {
	s := storetest.OpenSQLite(t)
	krxMinutes(t, s)
	ctx := context.Background()
	if err := s.AddAck(ctx, store.Ack{Source: market.SourceNaver, Symbol: "005930", From: 20260106, To: 20260107, Reason: "archive lost"}); err != nil {
		t.Fatal(err)
	}
	r := validateAt(t, s, validate.Config{Lookback: 6}, nil, krxNow)
	for _, p := range r.Problems {
		if p.Key.Symbol == "005930" {
			t.Errorf("acknowledged problem reported: %v %s %s", p.Kind, p.Who(), p.Dates())
		}
	}
}

// TestIntradayDST: New York's minutes on both sides of the 2026-03-08
// change (9:30 is 14:30 UTC on Friday, 13:30 UTC on Monday): 390 bars a
// session, dated in New York; one session with none.
func TestIntradayDST(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		cal, ss := sessionsOf(t, market.XNYS, 20260306, 20260311, 4)
		aapl := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS, Active: true, Intraday: market.Interval1m}
		storeIntraday(t, s, cal, aapl, ss, map[market.Date]minuteDay{20260310: {keep: none}})
		now := time.Date(2026, 3, 11, 22, 0, 0, 0, time.UTC) // 18:00 EDT
		r := validateAt(t, s, validate.Config{Lookback: 4}, nil, now)
		if got, want := rows(r.Problems), []row{{validate.KindIntradayGap, "yahoo AAPL", "2026-03-10", 1}}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("problems %v, want %v\n%s", got, want, details(r.Problems))
		}
		want := []string{"XNYS yahoo AAPL 1m 2026-03-06..2026-03-11 4 1170/1560 1.0000 false 1 0"}
		if got := coverageRows(r.Intraday); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("coverage %q, want %q", got, want)
		}
	})
}

// TestIntradayLunchBreak: Tokyo's sessions hold 330 minutes around the
// 11:30-12:30 break; a session stored whole is complete (it would be
// 330/390 = 85% without the break), one with the morning alone is thin.
func TestIntradayLunchBreak(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		cal, ss := sessionsOf(t, "XTKS", 20260107, 20260109, 3)
		toyota := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "7203.T"}, Market: "XTKS", Active: true, Intraday: market.Interval1m}
		storeIntraday(t, s, cal, toyota, ss, map[market.Date]minuteDay{20260108: {keep: firstN(150)}})
		now := time.Date(2026, 1, 9, 18, 0, 0, 0, time.FixedZone("JST", 9*3600))
		r := validateAt(t, s, validate.Config{Lookback: 3}, nil, now)
		if got, want := rows(r.Problems), []row{{validate.KindIntradayThin, "yahoo 7203.T", "2026-01-08", 1}}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("problems %v, want %v\n%s", got, want, details(r.Problems))
		}
		want := []string{"XTKS yahoo 7203.T 1m 2026-01-07..2026-01-09 3 810/990 1.0000 false 0 1"}
		if got := coverageRows(r.Intraday); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("coverage %q, want %q", got, want)
		}
	})
}

// TestIntradayReportText: the intraday section of the text and HTML
// reports, exactly.
func TestIntradayReportText(t *testing.T) {
	s := storetest.OpenSQLite(t)
	krxMinutes(t, s)
	r := validateAt(t, s, validate.Config{Lookback: 6}, nil, krxNow)
	text, err := r.Text()
	if err != nil {
		t.Fatal(err)
	}
	wantText := `INTRADAY (minute bars stored / expected by the calendar)
XKRX naver 000660 1m 2026-01-02..2026-01-09: 6 sessions, 2280/2280 bars (100.0%), median 100.0%
XKRX naver 005380 1m 2026-01-02..2026-01-09: 6 sessions, 1890/2280 bars (82.9%), median 100.0%
XKRX naver 005930 1m 2026-01-02..2026-01-09: 6 sessions, 1800/2280 bars (78.9%), median 100.0%
XKRX naver 0193T0 1m 2026-01-02..2026-01-09: 5 sessions, 400/1890 bars (21.2%), median 25.6%, illiquid: only whole missing sessions count
- [intraday gap] naver 005380 1m 2026-01-08: no 1m bars stored on a session the daily bars or its liquidity say it traded; refetch them while the source still serves them
    marketd backfill --source naver --symbols 005380 --interval 1m --from 2026-01-08 --to 2026-01-08
- [intraday gap] naver 005930 1m 2026-01-06: no 1m bars stored on a session the daily bars or its liquidity say it traded; refetch them while the source still serves them
    marketd backfill --source naver --symbols 005930 --interval 1m --from 2026-01-06 --to 2026-01-06
- [intraday gap] naver 0193T0 1m 2026-01-08: no 1m bars stored on a session the daily bars or its liquidity say it traded; refetch them while the source still serves them
    marketd backfill --source naver --symbols 0193T0 --interval 1m --from 2026-01-08 --to 2026-01-08
- [intraday thin] naver 005930 1m 2026-01-07: 1m bars stored below 90% of the session's (stored/expected): 2026-01-07 300/390; refetch them while the source still serves them
    marketd backfill --source naver --symbols 005930 --interval 1m --from 2026-01-07 --to 2026-01-07 --force
`
	if !strings.Contains(text, wantText) {
		t.Errorf("text report lacks the intraday section:\n%s\nwant:\n%s", text, wantText)
	}
	// The daily problems keep their own section, without minute ones.
	if !strings.Contains(text, "PROBLEMS\n\nXKRX\n- [gap] naver 005380 2026-01-08: missing\n") || strings.Count(text, "intraday gap") != 4 {
		t.Errorf("daily problems section:\n%s", text)
	}
	if !strings.HasPrefix(text, "marketd: 1 gap, 3 intraday gaps, 1 thin intraday range — XKRX (2026-01-09)\n") {
		t.Errorf("subject line: %s", text[:strings.Index(text, "\n")])
	}
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<h3 style="font-size:16px">Intraday</h3>`,
		`<tr><td>XKRX</td><td>naver 0193T0</td><td>1m</td><td>5 (2026-01-02..2026-01-09)</td><td>400/1890 (21.2%)</td><td>25.6%, illiquid</td></tr>`,
		`<tr><td>intraday thin</td><td>naver 005930 1m</td><td style="white-space:nowrap">2026-01-07</td><td>1m bars stored below 90% of the session&#39;s (stored/expected): 2026-01-07 300/390; refetch them while the source still serves them</td></tr>`,
		`padding:1px 4px">marketd backfill --source naver --symbols 005930 --interval 1m --from 2026-01-06 --to 2026-01-06</code>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML report lacks %q:\n%s", want, html)
		}
	}
}

// TestIntradayAlertState: minute problems are new, then open, and
// resolved once the archive has filled them.
func TestIntradayAlertState(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	krxMinutes(t, s)
	run := func(at time.Time) *validate.Report {
		t.Helper()
		r := validateAt(t, s, validate.Config{Lookback: 6}, nil, at)
		if err := validate.Track(ctx, s, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, p := range run(krxNow).Problems {
		if !p.New {
			t.Errorf("first run: %s %s not new", p.Kind, p.Who())
		}
	}
	cal, err := calendar.For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	w := store.MinuteWrite{Key: key("005930"), Interval: market.Interval1m}
	for _, start := range cal.BarStarts(20260106, market.Interval1m) {
		w.Bars = append(w.Bars, market.MinuteBar{Start: start, Close: market.DecimalFromInt(1000)})
	}
	if _, err := s.WriteMinutes(ctx, []store.MinuteWrite{w}); err != nil {
		t.Fatal(err)
	}
	second := run(krxNow.Add(time.Hour))
	if fmt.Sprint(second.Resolved) != "[intraday gap naver 005930 2026-01-06]" {
		t.Errorf("resolved %q", second.Resolved)
	}
	for _, p := range second.Problems {
		if p.New {
			t.Errorf("second run: %s %s %s new", p.Kind, p.Who(), p.Dates())
		}
	}
}

type reachOf time.Duration

func (r reachOf) MinuteReach(iv market.Interval) time.Duration {
	if iv == market.Interval1m {
		return time.Duration(r)
	}
	return 0
}

// TestReachOf: the reach of the key's source, none for a source that
// serves no minute bars.
func TestReachOf(t *testing.T) {
	reach := validate.ReachOf(map[string]validate.MinuteReacher{market.SourceYahoo: reachOf(30 * 24 * time.Hour)})
	for _, tt := range []struct {
		key  market.Key
		iv   market.Interval
		want time.Duration
	}{
		{market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, market.Interval1m, 30 * 24 * time.Hour},
		{market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, market.Interval5m, 0},
		{market.Key{Source: market.SourceNaver, Symbol: "005930"}, market.Interval1m, 0},
	} {
		if got := reach(tt.key, tt.iv); got != tt.want {
			t.Errorf("reach(%s, %s) = %v, want %v", tt.key, tt.iv, got, tt.want)
		}
	}
}
