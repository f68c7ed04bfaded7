package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// TestIntradayArchiveValidates: minute bars archived from the simulated
// market validate clean (its illiquid code classified so, the US DST
// change crossed); a session deleted and another thinned are found
// exactly, and the repair commands' backfills make the store clean again.
func TestIntradayArchiveValidates(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenMySQL(t)
	// Wednesday 2026-03-11, 23:00 UTC: the day's XNYS session (EDT since
	// 03-08) and XKRX's (settled at 20:00 Seoul) are closed.
	now := time.Date(2026, 3, 11, 23, 0, 0, 0, time.UTC)
	insts := []market.Instrument{
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS, Active: true, Intraday: market.Interval1m},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Board: "KOSPI", Active: true, Intraday: market.Interval1m},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "000660"}, Market: market.XKRX, Board: "KOSPI", Active: true, Intraday: market.Interval1m},
	}
	m := sourcetest.New(sourcetest.Options{Now: clockAt(now), HistoryStart: market.NewDate(2026, 1, 2),
		Symbols: []sourcetest.Symbol{{Symbol: "AAPL"}, {Symbol: "005930"}, {Symbol: "000660", Illiquid: true}}})
	url := server(t, m, m)
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	p := newPipeline(t, st, url, clockAt(now), httpx.Config{MinBackoff: time.Millisecond}, collector.Config{})
	from := market.NewDate(2026, 3, 5) // within Naver's seven days of minutes
	if s, _, err := p.c.Backfill(ctx, collector.BackfillRequest{From: market.NewDate(2026, 2, 2)}); err != nil || s.Failed != 0 {
		t.Fatalf("daily backfill: %s, %v", s, err)
	}
	backfill := func(f, to market.Date, force bool, symbols ...string) {
		t.Helper()
		s, _, err := p.c.BackfillMinutes(ctx, collector.MinuteBackfillRequest{Interval: market.Interval1m, From: f, To: to, Force: force,
			Filter: collector.Filter{Symbols: symbols}})
		if err != nil || s.Failed != 0 {
			t.Fatalf("minute backfill %s..%s %v: %s, %v", f, to, symbols, s, err)
		}
	}
	backfill(from, 0, false)

	cals := func(_ context.Context, code string) (validate.Calendar, error) { return calendar.For(code) }
	reach := validate.ReachOf(map[string]validate.MinuteReacher{
		market.SourceYahoo: sourceReach{market.Interval1m: 30 * 24 * time.Hour},
		market.SourceNaver: sourceReach{market.Interval1m: 7 * 24 * time.Hour},
	})
	check := func() *validate.Report {
		t.Helper()
		r, err := validate.New(validate.Config{Since: from, MinuteReach: reach}, st, cals, nil, now).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := check()
	if len(r.Problems) != 0 {
		t.Fatalf("archived minutes: problems %s", problemList(r))
	}
	var cov []string
	for _, c := range r.Intraday {
		cov = append(cov, fmt.Sprintf("%s %s..%s %d %v", c.Who(), c.From, c.To, c.Sessions, c.Illiquid))
		if !c.Illiquid && c.Stored != c.Expected {
			t.Errorf("%s: %d of %d bars stored", c.Who(), c.Stored, c.Expected)
		}
	}
	// 03-05..03-11: five sessions at each market.
	want := []string{"naver 000660 2026-03-05..2026-03-11 5 true", "naver 005930 2026-03-05..2026-03-11 5 false", "yahoo AAPL 2026-03-05..2026-03-11 5 false"}
	slices.Sort(cov)
	if fmt.Sprint(cov) != fmt.Sprint(want) {
		t.Fatalf("coverage %q, want %q", cov, want)
	}

	// Delete 005930's 03-09 and thin AAPL's 03-10 to its first 200 minutes
	// (13:30 UTC on, EDT).
	for _, q := range []struct {
		sql  string
		args []any
		n    int64
	}{
		{`DELETE FROM minute_bars WHERE source = 'naver' AND symbol = '005930' AND starts_at >= '2026-03-09 00:00:00' AND starts_at < '2026-03-10 00:00:00'`, nil, 390},
		{`DELETE FROM minute_bars WHERE source = 'yahoo' AND symbol = 'AAPL' AND starts_at >= '2026-03-10 16:50:00' AND starts_at < '2026-03-11 00:00:00'`, nil, 190},
	} {
		res, err := st.DB().ExecContext(ctx, q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != q.n {
			t.Fatalf("%s: %d rows, want %d", q.sql, n, q.n)
		}
	}
	r = check()
	got := problemList(r)
	wantProblems := "intraday gap naver 005930 2026-03-09: marketd backfill --source naver --symbols 005930 --interval 1m --from 2026-03-09 --to 2026-03-09\n" +
		"intraday thin yahoo AAPL 2026-03-10: marketd backfill --source yahoo --symbols AAPL --interval 1m --from 2026-03-10 --to 2026-03-10 --force\n"
	if got != wantProblems {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, wantProblems)
	}
	// What the repair commands run.
	backfill(market.NewDate(2026, 3, 9), market.NewDate(2026, 3, 9), false, "005930")
	backfill(market.NewDate(2026, 3, 10), market.NewDate(2026, 3, 10), true, "AAPL")
	if r = check(); len(r.Problems) != 0 {
		t.Fatalf("after the repairs: problems %s", problemList(r))
	}
}

type sourceReach map[market.Interval]time.Duration

func (s sourceReach) MinuteReach(iv market.Interval) time.Duration { return s[iv] }

func problemList(r *validate.Report) string {
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "%s %s %s: %s\n", p.Kind, p.Who(), p.Dates(), p.RepairCommand())
	}
	return b.String()
}
