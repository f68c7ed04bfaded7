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

// The window: the 15 XKRX sessions 2026-09-15..2026-10-08 (Chuseok
// 09-24..25 and the substitute holiday 10-05 closed).
var now = time.Date(2026, 10, 8, 22, 0, 0, 0, time.FixedZone("KST", 9*3600))

func calendars(_ context.Context, code string) (validate.Calendar, error) { return calendar.For(code) }

func key(symbol string) market.Key { return market.Key{Source: market.SourceNaver, Symbol: symbol} }

func bar(d market.Date, close int64) market.Bar {
	c := market.DecimalFromInt(close)
	return market.Bar{
		Date: d, Close: c,
		Open: market.Some(c - market.DecimalFromInt(5)), High: market.Some(c + market.DecimalFromInt(10)),
		Low: market.Some(c - market.DecimalFromInt(10)), Volume: market.Some(int64(1000) + int64(close)),
	}
}

// scenario stores four KRX instruments whose problems are known exactly.
func scenario(t *testing.T, s *store.Store) (truth map[market.Key][]market.Bar) {
	t.Helper()
	ctx := context.Background()
	cal, err := calendar.For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	sessions := cal.Sessions(20260915, 20261008)
	if len(sessions) != 15 {
		t.Fatalf("calendar gives %d sessions, the scenario assumes 15: %v", len(sessions), sessions)
	}
	insts := []market.Instrument{
		{Key: key("005930"), Market: market.XKRX, Board: "KOSPI", Active: true},
		{Key: key("000660"), Market: market.XKRX, Board: "KOSPI", Active: true},
		{Key: key("0193T0"), Market: market.XKRX, Board: "KOSDAQ", Active: true, Listed: 20260915},
		{Key: key("035720"), Market: market.XKRX, Board: "KOSDAQ", Active: true, Listed: 20260917},
	}
	if _, err := s.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	truth = map[market.Key][]market.Bar{}
	var writes []store.Write
	for n, in := range insts {
		var stored []market.Bar
		for i, d := range sessions {
			b := bar(d, int64(10000*(n+1)+10*i))
			truth[in.Key] = append(truth[in.Key], b)
			switch {
			case d == 20261002: // nobody has it: market-wide
			case in.Symbol == "005930" && (d == 20260922 || d == 20260923 || d == 20260928):
			case in.Symbol == "000660" && d >= 20261007: // stale
			case in.Symbol == "035720" && d < 20260921: // listed 09-17, first bar 09-21
			case in.Symbol == "0193T0" && d == 20260930:
				stored = append(stored, market.Bar{Date: d, Close: b.Close, Volume: market.Some(int64(0)), Halted: true})
			case in.Symbol == "005930" && d == 20261001:
				b.High = market.Some(b.Close - market.DecimalFromInt(1)) // below the close
				stored = append(stored, b)
			default:
				stored = append(stored, b)
			}
			if in.Symbol == "005930" && d == 20260923 {
				stored = append(stored, bar(20260924, 10000+10*int64(i))) // Chuseok
			}
		}
		writes = append(writes, store.Write{Key: in.Key, Bars: stored})
	}
	if _, err := s.Write(ctx, writes); err != nil {
		t.Fatal(err)
	}
	return truth
}

type row struct {
	kind     validate.Kind
	who      string
	dates    string
	sessions int
}

func rows(ps []validate.Problem) []row {
	out := make([]row, len(ps))
	for i, p := range ps {
		out[i] = row{p.Kind, p.Who(), p.Dates(), p.Sessions}
	}
	return out
}

func TestValidateClassifiesProblems(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		scenario(t, s)
		v := validate.New(validate.Config{Lookback: 15}, s, calendars, nil, now)
		r, err := v.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []row{
			{validate.KindMarketMissing, "naver XKRX", "2026-10-02", 1},
			{validate.KindStale, "naver 000660", "2026-10-07..2026-10-08", 2},
			{validate.KindGap, "naver 005930", "2026-09-22..2026-09-28", 3},
			{validate.KindGap, "naver 035720", "2026-09-17..2026-09-18", 2},
			{validate.KindBadBar, "naver 005930", "2026-09-24", 0},
			{validate.KindBadBar, "naver 005930", "2026-10-01", 0},
		}
		if got := rows(r.Problems); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("problems:\n got %v\nwant %v\n%s", got, want, details(r.Problems))
		}
		if d := r.Problems[4].Detail; !strings.Contains(d, "XKRX calendar says was closed") {
			t.Errorf("holiday bar detail = %q", d)
		}
		if d := r.Problems[5].Detail; d != "high 10099 is below max(open, close) 10100" {
			t.Errorf("bad high detail = %q", d)
		}
		wantSummary := validate.MarketSummary{
			Market: "XKRX", Source: "naver", From: 20260915, To: 20261008, Instruments: 4, Sessions: 15,
			Bars: 48, GapSessions: 5, MarketMissing: 1, Stale: 1, BadBars: 2,
		}
		if len(r.Markets) != 1 || r.Markets[0] != wantSummary {
			t.Errorf("summary = %+v, want %+v", r.Markets, wantSummary)
		}
		if got, want := r.Subject(), "marketd: 1 market-wide miss, 2 gaps, 1 stale, 2 bad bars — XKRX (2026-10-08)"; got != want {
			t.Errorf("subject = %q, want %q", got, want)
		}
		if r.Clean() {
			t.Error("Clean() = true")
		}
	})
}

func TestAckedGapsAreNotReported(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		scenario(t, s)
		if err := s.AddAck(ctx, store.Ack{Source: "naver", Symbol: "005930", From: 20260922, To: 20260928, Reason: "never traded"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddAck(ctx, store.Ack{Source: "naver", Symbol: "005930", From: 20261001, To: 20261001, Reason: "source error"}); err != nil {
			t.Fatal(err)
		}
		r, err := validate.New(validate.Config{Lookback: 15}, s, calendars, nil, now).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The first ack also covers the bar dated on Chuseok (09-24).
		want := []row{
			{validate.KindMarketMissing, "naver XKRX", "2026-10-02", 1},
			{validate.KindStale, "naver 000660", "2026-10-07..2026-10-08", 2},
			{validate.KindGap, "naver 035720", "2026-09-17..2026-09-18", 2},
		}
		if got := rows(r.Problems); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("problems:\n got %v\nwant %v", got, want)
		}
		if n, err := s.RemoveAcks(ctx, key("005930"), 20260925, 20260925); err != nil || n != 1 {
			t.Fatalf("RemoveAcks = %d, %v; want 1", n, err)
		}
	})
}

// fill is the collector's part in self-repair: it stores the true bars of
// the problem's range, and fails for one instrument like a source that
// has nothing.
type fill struct {
	s     *store.Store
	truth map[market.Key][]market.Bar
	calls int
}

func (f *fill) Repair(ctx context.Context, pk market.Key, _ string, from, to market.Date) (int, error) {
	f.calls++
	keys := []market.Key{pk}
	if pk.Symbol == "" {
		keys = []market.Key{key("005930"), key("000660"), key("0193T0"), key("035720")}
	}
	var writes []store.Write
	var failed error
	for _, k := range keys {
		if k.Symbol == "035720" {
			failed = fmt.Errorf("naver 035720: %w", market.ErrNoData)
			continue
		}
		var bars []market.Bar
		for _, b := range f.truth[k] {
			if b.Date >= from && b.Date <= to {
				bars = append(bars, b)
			}
		}
		writes = append(writes, store.Write{Key: k, Bars: bars})
	}
	if _, err := f.s.Write(ctx, writes); err != nil {
		return len(keys), err
	}
	return len(keys), failed
}

func TestSelfRepair(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	truth := scenario(t, s)
	f := &fill{s: s, truth: truth}
	r, err := validate.New(validate.Config{Lookback: 15, RepairBudget: 100}, s, calendars, f, now).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 035720 has nothing at the source: its gaps remain, and the
	// market-wide miss it shared became its own gap.
	want := []row{
		{validate.KindGap, "naver 035720", "2026-09-17..2026-09-18", 2},
		{validate.KindGap, "naver 035720", "2026-10-02", 1},
		{validate.KindBadBar, "naver 005930", "2026-09-24", 0},
		{validate.KindBadBar, "naver 005930", "2026-10-01", 0},
	}
	if got := rows(r.Problems); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after repair:\n got %v\nwant %v", got, want)
	}
	wantRepaired := []row{
		{validate.KindStale, "naver 000660", "2026-10-07..2026-10-08", 2},
		{validate.KindGap, "naver 005930", "2026-09-22..2026-09-28", 3},
	}
	if got := rows(r.Repaired); fmt.Sprint(got) != fmt.Sprint(wantRepaired) {
		t.Errorf("repaired:\n got %v\nwant %v", got, wantRepaired)
	}
	var failed []string
	for _, f := range r.RepairFailures {
		failed = append(failed, f.Problem.Who()+" "+f.Problem.Dates()+": "+f.Reason)
	}
	wantFailed := []string{
		"naver XKRX 2026-10-02: naver 035720: no data",
		"naver 035720 2026-09-17..2026-09-18: naver 035720: no data",
	}
	if fmt.Sprint(failed) != fmt.Sprint(wantFailed) {
		t.Errorf("repair failures:\n got %q\nwant %q", failed, wantFailed)
	}
	if got, want := r.Subject(), "marketd: 2 gaps, 2 bad bars, 2 repaired — XKRX (2026-10-08)"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}

	// A budget of one request repairs only the most urgent problem.
	s2 := storetest.OpenSQLite(t)
	f2 := &fill{s: s2, truth: scenario(t, s2)}
	r2, err := validate.New(validate.Config{Lookback: 15, RepairBudget: 1}, s2, calendars, f2, now).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f2.calls != 1 {
		t.Errorf("budget 1: %d repairs tried, want 1", f2.calls)
	}
	// The market-wide repair (the most urgent) spent the budget and failed
	// for 035720; the rest waits for the next run.
	want2 := []row{
		{validate.KindStale, "naver 000660", "2026-10-07..2026-10-08", 2},
		{validate.KindGap, "naver 005930", "2026-09-22..2026-09-28", 3},
		{validate.KindGap, "naver 035720", "2026-09-17..2026-09-18", 2},
		{validate.KindGap, "naver 035720", "2026-10-02", 1},
		{validate.KindBadBar, "naver 005930", "2026-09-24", 0},
		{validate.KindBadBar, "naver 005930", "2026-10-01", 0},
	}
	if got := rows(r2.Problems); fmt.Sprint(got) != fmt.Sprint(want2) {
		t.Errorf("budget 1:\n got %v\nwant %v", got, want2)
	}
	if len(r2.Repaired) != 0 {
		t.Errorf("budget 1 repaired %v", rows(r2.Repaired))
	}
}

func TestReportText(t *testing.T) {
	s := storetest.OpenSQLite(t)
	scenario(t, s)
	r, err := validate.New(validate.Config{Lookback: 15}, s, calendars, nil, now).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	text, err := r.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"marketd backfill --source naver --market XKRX --from 2026-10-02 --to 2026-10-02",
		"marketd backfill --source naver --symbols 000660 --from 2026-10-07 --to 2026-10-08",
		"marketd backfill --source naver --symbols 005930 --from 2026-09-22 --to 2026-09-28",
		"marketd backfill --source naver --symbols 035720 --from 2026-09-17 --to 2026-09-18",
		"marketd backfill --source naver --symbols 005930 --from 2026-10-01 --to 2026-10-01 --force",
		"XKRX naver: 4 instruments, 15 sessions 2026-09-15..2026-10-08, 48 bars; 5 missing sessions, 1 market-wide, 1 stale, 2 bad bars\n",
		"COVERAGE XKRX naver, last 15 sessions (2026-09-15..2026-10-08; # stored, . missing, ! bad bar)",
		"000660       ###########.#..\n005930       #####...##!.###\n0193T0       ###########.###\n035720         ..#######.###\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`padding:1px 4px">marketd backfill --source naver --symbols 005930 --from 2026-09-22 --to 2026-09-28</code>`,
		`<th colspan="10" style="text-align:left;font-weight:normal;white-space:nowrap;overflow:hidden;border-left:1px solid #999999;padding-left:2px">Sep 2026</th>`,
		`<th colspan="5" style="text-align:left;font-weight:normal;white-space:nowrap;overflow:hidden;border-left:1px solid #999999;padding-left:2px">Oct</th>`,
		`<td title="bad bar" style="background:#F0E442;color:#000000;text-align:center;height:18px;border:1px solid #ffffff;overflow:hidden">!</td>`,
		`<td style="padding:0 12px 0 4px">missing</td>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML report lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<link") || strings.Contains(html, "<style") || strings.Contains(html, "class=") {
		t.Errorf("HTML report uses a style sheet: mail clients drop them\n%s", html)
	}
}

// TestGridBadBarIsNotComplete: an instrument whose only fault in the grid
// is a bad bar gets a row, and is not counted among the complete ones.
func TestGridBadBarIsNotComplete(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	b := scenario(t, s)[key("0193T0")][12]
	if b.Date != 20261006 {
		t.Fatalf("scenario session 12 is %s", b.Date)
	}
	b.High = market.Some(b.Close - market.DecimalFromInt(1))
	if _, err := s.Write(ctx, []store.Write{{Key: key("0193T0"), Bars: []market.Bar{b}}}); err != nil {
		t.Fatal(err)
	}
	r, err := validate.New(validate.Config{Since: 20261006}, s, calendars, nil, now).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := validate.Grid{
		Market: market.XKRX, Source: market.SourceNaver, Sessions: []market.Date{20261006, 20261007, 20261008},
		Rows:     []validate.GridRow{{Symbol: "000660", Cells: "#.."}, {Symbol: "0193T0", Cells: "!##"}},
		Complete: 2,
	}
	if len(r.Grids) != 1 || fmt.Sprint(r.Grids[0]) != fmt.Sprint(want) {
		t.Errorf("grids = %+v, want [%+v]", r.Grids, want)
	}
	text, err := r.Text()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "\n2 more instruments complete\n") {
		t.Errorf("text report lacks the complete count:\n%s", text)
	}
}

// TestReportPlurals: counts of one read in the singular.
func TestReportPlurals(t *testing.T) {
	r := &validate.Report{
		Generated: now,
		Markets: []validate.MarketSummary{{Market: "XNYS", Source: "yahoo", From: 20261007, To: 20261007,
			Instruments: 1, Sessions: 1, Bars: 1, GapSessions: 1, BadBars: 1}},
		Grids: []validate.Grid{{Market: "XNYS", Source: "yahoo", Sessions: []market.Date{20261007},
			Rows: []validate.GridRow{{Symbol: "AAPL", Cells: "."}}, Complete: 1}},
	}
	text, err := r.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"XNYS yahoo: 1 instrument, 1 session 2026-10-07..2026-10-07, 1 bar; 1 missing session, 0 market-wide, 0 stale, 1 bad bar\n",
		"COVERAGE XNYS yahoo, last 1 session (2026-10-07..2026-10-07; # stored, . missing, ! bad bar)\n",
		"\n1 more instrument complete\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<p>1 more instrument complete.</p>", ">Coverage XNYS yahoo, last 1 session</h3>"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML report lacks %q:\n%s", want, html)
		}
	}
}

func details(ps []validate.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", p.Kind, p.Who(), p.Dates(), p.Detail)
	}
	return b.String()
}

func TestDeadMan(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	scenario(t, s)
	record := func(job, status string, at time.Time) {
		t.Helper()
		r := &store.Run{Job: job, Host: "h1", Started: at, Status: store.RunRunning}
		if err := s.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Status, r.Finished = status, at.Add(time.Minute)
		if err := s.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	record("collect-krx", store.RunOK, now.Add(-3*day))  // older than two periods
	record("collect-us", store.RunOK, now.Add(-day))     // recent enough
	record("collect-eu", store.RunFailed, now.Add(-day)) // ran, never succeeded
	// A market closed on the last slots: nothing was to be collected.
	record("collect-weekend", store.RunClosed, now.Add(-day))
	record("collect-holiday", store.RunOK, now.Add(-4*day))
	record("collect-holiday", store.RunClosed, now.Add(-day))
	// Ok with nothing to collect (no active instruments yet).
	record("collect-empty", store.RunOK, now.Add(-day))
	// Hourly jobs (the default collect-yahoo): a run with nothing due is
	// ok; two hours without one is a dead job, a day is not needed.
	record("collect-hourly", store.RunOK, now.Add(-90*time.Minute))
	record("collect-hourly-dead", store.RunOK, now.Add(-3*time.Hour))
	record("collect-hourly-dead", store.RunFailed, now.Add(-time.Hour))
	// First runs still under way: one just started (the daemon's start-up
	// catch-up runs validate beside it), one stuck for three periods.
	for job, started := range map[string]time.Time{"collect-new": now.Add(-time.Minute), "collect-stuck": now.Add(-3 * day)} {
		if err := s.StartRun(ctx, &store.Run{Job: job, Host: "h1", Started: started, Status: store.RunRunning}); err != nil {
			t.Fatal(err)
		}
	}
	jobs := []validate.Job{{"collect-krx", day}, {"collect-us", day}, {"collect-eu", day}, {"never-scheduled", day},
		{"collect-new", day}, {"collect-stuck", day}, {"collect-weekend", day}, {"collect-holiday", day}, {"collect-empty", day},
		{"collect-hourly", time.Hour}, {"collect-hourly-dead", time.Hour}}
	r, err := validate.New(validate.Config{Lookback: 15, Jobs: jobs}, s, calendars, nil, now).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range r.Problems {
		if p.Kind == validate.KindDeadMan {
			got = append(got, p.Detail)
		}
	}
	want := []string{ // in the order the jobs are configured
		"collect-krx has not succeeded since 2026-10-05T13:00:00Z",
		"collect-eu has never succeeded (last run 2026-10-07T13:00:00Z: failed)",
		"collect-stuck has never succeeded (last run 2026-10-05T13:00:00Z: running)",
		"collect-hourly-dead has not succeeded since 2026-10-08T10:00:00Z",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dead-man problems:\n got %q\nwant %q", got, want)
	}
	if !strings.HasPrefix(r.Subject(), "marketd: 4 jobs failing, ") {
		t.Errorf("subject = %q", r.Subject())
	}
}
