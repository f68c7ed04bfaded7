package e2e_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
)

// A backfill of 50 instruments × 3 years through 5% 5xx, 2% hangs, 3%
// truncated bodies and a site that sheds every 15th request with a 429
// stores exactly the ground truth, and the client never exceeds the
// site's sliding-window limit (20 requests per second per source; the
// client is configured for 15/s, so a violation means the limiter failed).
func TestBackfillThroughFaults(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenMySQL(t)
	insts, syms := universe(50)
	// A split and a dividend inside the window on Yahoo, a halt on Naver.
	syms[0].Splits = []sourcetest.Split{{Date: market.NewDate(2024, 6, 10), Numerator: 4, Denominator: 1}}
	syms[0].Dividends = []sourcetest.Dividend{{Date: market.NewDate(2025, 2, 7), Amount: market.DecimalFromInt(1)}}
	syms[1].Halts = []market.Date{market.NewDate(2025, 4, 15), market.NewDate(2025, 4, 16)}

	m := sourcetest.New(sourcetest.Options{
		Now: clockAt(fixedNow), Symbols: syms, Seed: 7,
		HistoryStart: market.NewDate(2022, 1, 3),
		Limits: map[string]sourcetest.Limit{
			sourcetest.GroupYahoo: {Requests: 20, Window: time.Second},
			sourcetest.GroupNaver: {Requests: 20, Window: time.Second},
		},
		Faults: map[string]sourcetest.Fault{
			sourcetest.GroupYahoo: {ServerError: 0.05, Timeout: 0.02, Truncate: 0.03},
			sourcetest.GroupNaver: {ServerError: 0.05, Timeout: 0.02, Truncate: 0.03},
		},
	})
	shed := &sourcetest.Throttle{Handler: m, Every: 15, RetryAfter: 1}
	url := server(t, m, shed)

	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	hx := httpx.Config{Rate: rate.Limit(15), Burst: 1, Timeout: 300 * time.Millisecond, MaxAttempts: 8,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	p := newPipeline(t, st, url, clockAt(fixedNow), hx, collector.Config{})
	from := market.NewDate(2023, 3, 6)
	s, _, err := p.c.Backfill(ctx, collector.BackfillRequest{From: from})
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != len(insts) || s.Failed != 0 || s.Status != store.RunOK {
		t.Fatalf("backfill: %s", s)
	}
	checkTruth(t, st, m, insts, from, fixedNow)
	checkWatermarks(t, st, insts, fixedNow)
	// Every session of the exchange calendar is there exactly once (halts
	// included, as halted bars).
	for _, in := range insts {
		cal, _ := calendar.For(in.Market)
		want := cal.Sessions(from, cal.LastClosed(fixedNow))
		var n int
		if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM bars WHERE source = ? AND symbol = ?", in.Source, in.Symbol).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Errorf("%s: %d bars stored, the %s calendar has %d sessions in %s..%s", in.Key, n, in.Market, len(want), from, want[len(want)-1])
		}
	}

	stats := m.Stats()
	if stats.Violations != 0 {
		t.Errorf("%d requests beyond the market's rate limit", stats.Violations)
	}
	// The faults and the 429s happened, and were survived rather than avoided.
	if stats.Faults == 0 || shed.Throttled() == 0 || s.Throttled == 0 || s.Retries == 0 {
		t.Errorf("faults %d, 429s sent %d, 429s seen %d, retries %d: the run met no trouble", stats.Faults, shed.Throttled(), s.Throttled, s.Retries)
	}
	if int64(s.Throttled) != shed.Throttled() {
		t.Errorf("the run counted %d 429s, the site sent %d", s.Throttled, shed.Throttled())
	}
	t.Logf("%s; market: %d requests, %d faults, %d shed with 429, %d violations", s, stats.Requests, stats.Faults, shed.Throttled(), stats.Violations)
}
