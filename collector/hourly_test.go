package collector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// hourlyMarkets are the markets an hourly Yahoo job sweeps in the tests.
var hourlyMarkets = []string{market.XNYS, "XTKS", "XLON", "XETR", market.CRYPTO, market.FX}

// upToDateFixture stores n Yahoo instruments spread over hourlyMarkets,
// each with its watermark at its market's last closed session at f.now.
func upToDateFixture(tb testing.TB, n int) *fixture {
	f := newFixture(tb)
	ctx := context.Background()
	last := map[string]market.Date{}
	for _, mic := range hourlyMarkets {
		last[mic] = mustCalendar(mic).LastClosed(f.now)
	}
	insts := make([]market.Instrument, n)
	writes := make([]store.Write, n)
	for i := range insts {
		mic := hourlyMarkets[i%len(hourlyMarkets)]
		k := market.Key{Source: market.SourceYahoo, Symbol: fmt.Sprintf("S%04d.%s", i, mic)}
		insts[i] = market.Instrument{Key: k, Market: mic, Active: true}
		last := last[mic]
		px := market.DecimalFromInt(10)
		writes[i] = store.Write{Key: k, Watermark: last,
			Bars: []market.Bar{{Date: last, Close: px}}}
	}
	if _, err := f.st.AddInstruments(ctx, insts); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.st.Write(ctx, writes); err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestHourlyRunUpToDate: an hourly job over 3,000 instruments of six
// markets, run when no market has closed a session since the last run,
// sends no request, writes no per-instrument result and records an ok
// run that says why it did nothing.
func TestHourlyRunUpToDate(t *testing.T) {
	f := upToDateFixture(t, 3000)
	f.now = f.now.Add(time.Hour)
	c, pool := f.collector()
	s, err := c.Collect(context.Background(), CollectRequest{Filter: Filter{Source: market.SourceYahoo}, Job: "collect-yahoo"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.srv.total(); got != 0 || pool.Total().Requests != 0 {
		t.Errorf("requests = %d (transport %d), want 0", got, pool.Total().Requests)
	}
	if s.Status != store.RunOK || s.OK != 0 || s.Failed != 0 || s.Skipped != 3000 || s.UpToDate != 3000 || len(s.Results) != 0 {
		t.Errorf("run = %s ok=%d failed=%d skipped=%d upToDate=%d results=%d, want ok with 3000 skipped up to date and no results",
			s.Status, s.OK, s.Failed, s.Skipped, s.UpToDate, len(s.Results))
	}
	const msg = "nothing due: 3000 instruments already at their market's last closed session"
	if s.Message != msg {
		t.Errorf("message %q, want %q", s.Message, msg)
	}
	if want := "collect-yahoo ok: 0 ok, 0 failed, 3000 skipped (up to date); rows 0 inserted"; !strings.HasPrefix(s.String(), want) {
		t.Errorf("summary %q, want it to start %q", s, want)
	}
	runs, err := f.st.Runs(context.Background(), "collect-yahoo", 1)
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunOK || runs[0].Skipped != 3000 || runs[0].Message != msg {
		t.Fatalf("recorded runs = %+v, %v; want one ok run, 3000 skipped, message %q", runs, err, msg)
	}
	if r, ok, err := f.st.RunByID(context.Background(), runs[0].ID); err != nil || !ok || len(r.Results) != 0 {
		t.Errorf("recorded results = %d (%v, %v), want none", len(r.Results), ok, err)
	}
}

// TestHourlyRunCollectsClosedMarketOnly: Monday an hour after Tokyo's
// close, the instruments of the markets that closed a session since the
// last run are due; the others stay skipped.
func TestHourlyRunCollectsClosedMarketOnly(t *testing.T) {
	f := upToDateFixture(t, 12)
	// 2026-03-06 22:00 UTC is after New York's close of the 6th; the next
	// close is Tokyo's on Monday 2026-03-09 at 15:30 JST (06:30 UTC).
	f.now = time.Date(2026, 3, 9, 7, 15, 0, 0, time.UTC)
	c, _ := f.collector()
	s, err := c.Collect(context.Background(), CollectRequest{Filter: Filter{Source: market.SourceYahoo}})
	if err != nil {
		t.Fatal(err)
	}
	var due []string
	for _, r := range s.Results {
		due = append(due, r.Key.Symbol+" "+r.From.String()+".."+r.To.String())
	}
	slices.Sort(due)
	// Each from the restatement window (5 sessions) back from its
	// watermark. Crypto (UTC dates) has closed Friday to Sunday since; FX
	// (London dates, a 24-hour session) Friday, which had not ended at the
	// last run; New York, London and Xetra nothing.
	want := "S0001.XTKS 2026-03-02..2026-03-09 S0004.CRYPTO 2026-03-01..2026-03-08 S0005.FX 2026-02-27..2026-03-06 " +
		"S0007.XTKS 2026-03-02..2026-03-09 S0010.CRYPTO 2026-03-01..2026-03-08 S0011.FX 2026-02-27..2026-03-06"
	if got := strings.Join(due, " "); got != want {
		t.Errorf("due %q, want %q", got, want)
	}
	if s.UpToDate != 6 {
		t.Errorf("%d up to date, want 6", s.UpToDate)
	}
}

// BenchmarkHourlyRunUpToDate measures the work of an hourly run over 3,000
// instruments that are all up to date: planning, the run record, no request.
func BenchmarkHourlyRunUpToDate(b *testing.B) {
	f := upToDateFixture(b, 3000)
	f.now = f.now.Add(time.Hour)
	c, _ := f.collector()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Collect(context.Background(), CollectRequest{Filter: Filter{Source: market.SourceYahoo}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.srv.total()), "requests")
}

// An instrument on a market with no holiday table (XWAR is not in the
// registry) is still collected: every day up to yesterday is asked for and
// the source answers the sessions it had.
func TestCollectMarketWithoutTable(t *testing.T) {
	f := newFixture(t, "PKO.WA")
	ctx := context.Background()
	k := market.Key{Source: market.SourceYahoo, Symbol: "PKO.WA"}
	if _, err := f.st.AddInstruments(ctx, []market.Instrument{{Key: k, Market: "XWAR", Active: true}}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.collector()
	s, err := c.Collect(ctx, CollectRequest{})
	if err != nil || s.OK != 1 || s.Failed != 0 {
		t.Fatalf("collect = %s, %v; want 1 ok", s, err)
	}
	// f.now is 2026-03-06 22:00 UTC: the last day closed in UTC is the 5th.
	from, to := d("2026-02-03"), d("2026-03-05") // 30 days of initial history
	if got, want := f.stored("PKO.WA", 0, d("2026-12-31")), f.want("PKO.WA", from, to); diff(got, want) != "" {
		t.Errorf("stored: %s", diff(got, want))
	}
	if wm := f.watermark("PKO.WA"); wm != to {
		t.Errorf("watermark %s, want %s", wm, to)
	}
}

// A KRX session closes at 15:30 but its bar moves until 20:00 (after-hours
// trading): the hourly run after the close leaves it, the run after 20:00
// fetches it, final.
func TestHourlyRunWaitsForSettle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := market.Key{Source: market.SourceYahoo, Symbol: "005930.KS"}
	px := market.DecimalFromInt(70000)
	if _, err := f.st.AddInstruments(ctx, []market.Instrument{{Key: k, Market: market.XKRX, Board: market.BoardKOSPI, Active: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Write(ctx, []store.Write{{Key: k, Watermark: d("2026-03-05"), Bars: []market.Bar{{Date: d("2026-03-05"), Close: px}}}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at       time.Time
		upToDate bool
	}{
		{time.Date(2026, 3, 6, 7, 15, 0, 0, time.UTC), true},   // 16:15 KST: closed, not settled
		{time.Date(2026, 3, 6, 10, 15, 0, 0, time.UTC), true},  // 19:15 KST
		{time.Date(2026, 3, 6, 11, 15, 0, 0, time.UTC), false}, // 20:15 KST: settled, due
	} {
		f.now = tt.at
		c, _ := f.collector()
		p := c.newPlanner()
		it, err := p.collectItem(ctx, market.Instrument{Key: k, Market: market.XKRX, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if upToDate := it.skip == skipUpToDate; upToDate != tt.upToDate {
			t.Errorf("at %s: skip %q, ranges %v; want up to date %v", tt.at.Format(time.RFC3339), it.skip, it.ranges, tt.upToDate)
		}
		fresh, err := FreshnessOf(ctx, f.st, func(_ context.Context, code string) (Calendar, error) { return mustCalendar(code), nil },
			tt.at, []market.Instrument{{Key: k, Market: market.XKRX}})
		if err != nil || fresh[0].Behind() == tt.upToDate {
			t.Errorf("at %s: freshness %+v, %v; want behind %v", tt.at.Format(time.RFC3339), fresh, err, !tt.upToDate)
		}
	}
}
