// Package storetest is the contract every store dialect must meet: the
// same tests run against SQLite and MySQL/MariaDB.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Opener returns a fresh, migrated, empty store for one test and arranges
// its removal with t.Cleanup.
type Opener func(t *testing.T) *store.Store

// Run runs the contract against stores from open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *store.Store)
	}{
		{"IdempotentRewrite", testIdempotentRewrite},
		{"RestatedClose", testRestatedClose},
		{"NewAndRestatedInOneWrite", testNewAndRestated},
		{"NullsRoundTrip", testNullsRoundTrip},
		{"Halts", testHalts},
		{"KRXCodesWithLetters", testKRXCodes},
		{"SeoulDatesNeverShift", testSeoulDates},
		{"FailureCommitsNothing", testFailureCommitsNothing},
		{"FinalBefore", testFinalBefore},
		{"Actions", testActions},
		{"Instruments", testInstruments},
		{"InstrumentTypes", testInstrumentTypes},
		{"Precision", testPrecision},
		{"RunsRoundTrip", testRuns},
		{"ClaimSlot", testClaimSlot},
		{"LatestBarsManyKeys", testLatestBars},
		{"MigrateTwice", testMigrateTwice},
		{"InvalidInput", testInvalidInput},
		{"Checkpoints", testCheckpoints},
		{"ProblemsScope", testProblemsScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func dec(t testing.TB, s string) market.Decimal {
	t.Helper()
	d, err := market.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func date(t testing.TB, s string) market.Date {
	t.Helper()
	d, err := market.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// bar builds a full bar from decimal strings.
func bar(t testing.TB, day, o, h, l, c, adj string, vol int64) market.Bar {
	return market.Bar{
		Date: date(t, day), Open: market.Some(dec(t, o)), High: market.Some(dec(t, h)), Low: market.Some(dec(t, l)),
		Close: dec(t, c), AdjClose: market.Some(dec(t, adj)), Volume: market.Some(vol),
	}
}

var (
	aapl    = market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	samsung = market.Key{Source: market.SourceNaver, Symbol: "005930"}
)

func threeBars(t testing.TB) []market.Bar {
	return []market.Bar{
		bar(t, "2024-01-02", "187.15", "188.44", "183.885", "185.64", "184.938217", 82488700),
		bar(t, "2024-01-03", "184.22", "185.88", "183.43", "184.25", "183.553467", 58414500),
		bar(t, "2024-01-04", "182.15", "183.0872", "180.88", "181.91", "181.222336", 71983600),
	}
}

func write(t *testing.T, s *store.Store, ws ...store.Write) store.WriteResult {
	t.Helper()
	r, err := s.Write(context.Background(), ws)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return r
}

func readBars(t *testing.T, s *store.Store, k market.Key) []market.Bar {
	t.Helper()
	got, err := s.Bars(context.Background(), k, 0, 0)
	if err != nil {
		t.Fatalf("Bars(%s): %v", k, err)
	}
	return got
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testIdempotentRewrite(t *testing.T, s *store.Store) {
	bars := threeBars(t)
	equal(t, "first write", write(t, s, store.Write{Key: aapl, Bars: bars}), store.WriteResult{Inserted: 3})
	equal(t, "second write", write(t, s, store.Write{Key: aapl, Bars: bars}), store.WriteResult{Unchanged: 3})
	equal(t, "bars", readBars(t, s, aapl), bars)
}

func testRestatedClose(t *testing.T, s *store.Store) {
	bars := threeBars(t)
	write(t, s, store.Write{Key: aapl, Bars: bars})
	restated := threeBars(t)
	restated[2].Close = dec(t, "181.93")
	equal(t, "restated write", write(t, s, store.Write{Key: aapl, Bars: restated}), store.WriteResult{Changed: 1, Unchanged: 2})
	equal(t, "bars", readBars(t, s, aapl), restated)
	// A new session with the restatement window: one new, the rest equal.
	more := append(restated[1:], bar(t, "2024-01-05", "181.99", "182.76", "180.17", "181.18", "180.495071", 62303300))
	equal(t, "window write", write(t, s, store.Write{Key: aapl, Bars: more}), store.WriteResult{Inserted: 1, Unchanged: 2})
}

// testNewAndRestated writes, in one call, instruments with only new bars
// and instruments whose bars are partly stored (restated, unchanged,
// finalized) and partly new, and checks the counts and every stored row:
// new and known rows may take different paths to the database.
func testNewAndRestated(t *testing.T, s *store.Store) {
	ctx := context.Background()
	known := threeBars(t)
	write(t, s, store.Write{Key: aapl, Bars: known[:2], Watermark: known[1].Date})

	restated := known[0]
	restated.Close = dec(t, "185.65")
	fresh := known[2]
	fresh.Final = true
	halted := market.Bar{Date: date(t, "2024-01-05"), Close: dec(t, "181.91"), Volume: market.Some[int64](0), Halted: true}
	nulls := market.Bar{Date: date(t, "2024-01-08"), Close: dec(t, "0.000001"), AdjClose: market.Some(dec(t, "9999999999.999999"))}
	krx := []market.Bar{
		bar(t, "2026-09-28", "84000", "85000", "83500", "84700", "84700", 12000000),
		bar(t, "2026-09-29", "84700", "84900", "84100", "84200", "84200", 9000000),
	}
	krx[0].Final = true
	got := write(t, s,
		store.Write{Key: samsung, Bars: krx, Watermark: krx[1].Date},
		store.Write{Key: aapl, Bars: []market.Bar{nulls, restated, known[1], fresh, halted}, Watermark: nulls.Date,
			FinalBefore: date(t, "2024-01-04")},
	)
	equal(t, "counts", got, store.WriteResult{Inserted: 5, Changed: 1, Unchanged: 1})

	restated.Final, known[1].Final = true, true // dated before FinalBefore
	equal(t, "aapl bars", readBars(t, s, aapl), []market.Bar{restated, known[1], fresh, halted, nulls})
	equal(t, "samsung bars", readBars(t, s, samsung), krx)
	for _, src := range []string{aapl.Source, samsung.Source} {
		wm, err := s.Watermarks(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		want := map[market.Key]market.Date{aapl: nulls.Date}
		if src == samsung.Source {
			want = map[market.Key]market.Date{samsung: krx[1].Date}
		}
		equal(t, "watermarks of "+src, wm, want)
	}

	// The same call again: everything is stored, nothing changes.
	got = write(t, s,
		store.Write{Key: samsung, Bars: krx, Watermark: krx[1].Date},
		store.Write{Key: aapl, Bars: []market.Bar{nulls, restated, known[1], fresh, halted}, Watermark: nulls.Date},
	)
	equal(t, "rewrite", got, store.WriteResult{Unchanged: 7})
	equal(t, "aapl bars after rewrite", readBars(t, s, aapl), []market.Bar{restated, known[1], fresh, halted, nulls})
}

func testNullsRoundTrip(t *testing.T, s *store.Store) {
	bars := []market.Bar{
		{Date: date(t, "2024-01-02"), Close: dec(t, "185.64")},
		{Date: date(t, "2024-01-03"), Open: market.Some(dec(t, "0.000001")), Close: dec(t, "0"), Volume: market.Some[int64](0)},
		{Date: date(t, "2024-01-04"), High: market.Some(dec(t, "9999999999.999999")), Close: dec(t, "1"), AdjClose: market.Some(dec(t, "0.5"))},
	}
	equal(t, "write", write(t, s, store.Write{Key: aapl, Bars: bars}), store.WriteResult{Inserted: 3})
	equal(t, "bars", readBars(t, s, aapl), bars)
	// Volume 0 and a null volume differ: filling in a null is a change.
	bars[0].Volume = market.Some[int64](0)
	equal(t, "rewrite", write(t, s, store.Write{Key: aapl, Bars: bars}), store.WriteResult{Changed: 1, Unchanged: 2})
}

func testHalts(t *testing.T, s *store.Store) {
	halted := market.Bar{Date: date(t, "2024-03-04"), Close: dec(t, "71200"), Volume: market.Some[int64](0), Halted: true}
	bars := []market.Bar{bar(t, "2024-02-29", "72900", "73400", "72000", "71200", "71200", 13000000), halted}
	equal(t, "write", write(t, s, store.Write{Key: samsung, Bars: bars}), store.WriteResult{Inserted: 2})
	equal(t, "bars", readBars(t, s, samsung), bars)
	// Trading resumes in the restatement window: the halt flag is data.
	resumed := halted
	resumed.Halted = false
	equal(t, "resume", write(t, s, store.Write{Key: samsung, Bars: []market.Bar{resumed}}), store.WriteResult{Changed: 1})
	equal(t, "bar", readBars(t, s, samsung)[1], resumed)
}

func testKRXCodes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	keys := []market.Key{{Source: market.SourceNaver, Symbol: "0193T0"}, {Source: market.SourceNaver, Symbol: "005930"},
		{Source: market.SourceYahoo, Symbol: "0193T0.KQ"}, {Source: market.SourceNaver, Symbol: "5930"}}
	var insts []market.Instrument
	for i, k := range keys {
		insts = append(insts, market.Instrument{Key: k, Market: market.XKRX, Board: "KOSDAQ", Currency: "KRW", Name: "종목"})
		b := bar(t, "2026-09-29", "10000", "10500", "9900", fmt.Sprint(10000+i), "10000", 1000)
		write(t, s, store.Write{Key: k, Bars: []market.Bar{b}, Watermark: b.Date})
	}
	if _, err := s.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	got, err := s.Instruments(ctx, store.InstrumentFilter{Source: market.SourceNaver, Symbols: []string{"0193T0", "005930"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].Listed, got[i].Delisted = 0, 0
	}
	equal(t, "instruments", got, []market.Instrument{
		{Key: keys[1], Market: market.XKRX, Board: "KOSDAQ", Currency: "KRW", Name: "종목", Active: true},
		{Key: keys[0], Market: market.XKRX, Board: "KOSDAQ", Currency: "KRW", Name: "종목", Active: true},
	})
	for i, k := range keys {
		b := readBars(t, s, k)
		if len(b) != 1 || b[0].Close != market.DecimalFromInt(int64(10000+i)) {
			t.Errorf("bars of %s = %+v, want one with close %d", k, b, 10000+i)
		}
	}
	wm, err := s.Watermarks(ctx, market.SourceNaver)
	if err != nil {
		t.Fatal(err)
	}
	d := date(t, "2026-09-29")
	equal(t, "watermarks", wm, map[market.Key]market.Date{keys[0]: d, keys[1]: d, keys[3]: d})
}

func testSeoulDates(t *testing.T, s *store.Store) {
	ctx := context.Background()
	d := date(t, "2026-09-29")
	b := bar(t, "2026-09-29", "84000", "85000", "83500", "84700", "84700", 12000000)
	write(t, s, store.Write{Key: samsung, Bars: []market.Bar{b}, Watermark: d})
	got, err := s.Bars(ctx, samsung, d, d)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "bars on the day", got, []market.Bar{b})
	if got, _ := s.Bars(ctx, samsung, d.AddDays(1), 0); len(got) != 0 {
		t.Errorf("bars after the day = %+v, want none", got)
	}
	latest, err := s.LatestBars(ctx, []market.Key{samsung})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "latest", latest, map[market.Key]market.Bar{samsung: b})
	wm, err := s.Watermarks(ctx, samsung.Source)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "watermark", wm, map[market.Key]market.Date{samsung: d})
}

// testFailureCommitsNothing makes the database reject a row after earlier
// statements of the same Write (bars, a watermark) have run.
func testFailureCommitsNothing(t *testing.T, s *store.Store) {
	ctx := context.Background()
	old := date(t, "2000-01-03")
	write(t, s, store.Write{Key: aapl, Bars: []market.Bar{bar(t, "2000-01-03", "1", "1", "1", "1", "1", 1)}, Watermark: old})

	// More rows than one statement holds, so some are sent before the bad one.
	var many []market.Bar
	for d := date(t, "2000-01-04"); len(many) < 7000; d = d.AddDays(1) {
		many = append(many, bar(t, d.String(), "2", "3", "1", "2", "2", 10))
	}
	bad := bar(t, "2024-01-02", "1", "1", "1", "-1", "1", 1)
	_, err := s.Write(ctx, []store.Write{
		{Key: aapl, Bars: many, Watermark: many[len(many)-1].Date},
		{Key: samsung, Bars: []market.Bar{bad}, Watermark: bad.Date},
	})
	if err == nil {
		t.Fatal("Write with a negative close succeeded, want an error")
	}
	if !strings.Contains(err.Error(), samsung.String()) {
		t.Errorf("error %q does not name %s", err, samsung)
	}
	t.Logf("rejected as expected: %v", err)
	equal(t, "bars after failure", len(readBars(t, s, aapl)), 1)
	equal(t, "bars of the bad instrument", len(readBars(t, s, samsung)), 0)
	wm, err := s.Watermarks(ctx, aapl.Source)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "watermark after failure", wm, map[market.Key]market.Date{aapl: old})

	// The same batch without the bad row commits all of it.
	r := write(t, s, store.Write{Key: aapl, Bars: many, Watermark: many[len(many)-1].Date})
	equal(t, "retry", r, store.WriteResult{Inserted: 7000})
	wm, _ = s.Watermarks(ctx, aapl.Source)
	equal(t, "watermark after retry", wm, map[market.Key]market.Date{aapl: many[len(many)-1].Date})
}

func testFinalBefore(t *testing.T, s *store.Store) {
	bars := threeBars(t)
	write(t, s, store.Write{Key: aapl, Bars: bars[:2]})
	r := write(t, s, store.Write{Key: aapl, Bars: bars[1:], FinalBefore: date(t, "2024-01-04")})
	equal(t, "write", r, store.WriteResult{Inserted: 1, Unchanged: 1})
	got := readBars(t, s, aapl)
	equal(t, "final flags", []bool{got[0].Final, got[1].Final, got[2].Final}, []bool{true, true, false})
	// A final bar stays final when rewritten as provisional.
	write(t, s, store.Write{Key: aapl, Bars: bars})
	got = readBars(t, s, aapl)
	equal(t, "final flags after rewrite", []bool{got[0].Final, got[1].Final, got[2].Final}, []bool{true, true, false})
}

func testActions(t *testing.T, s *store.Store) {
	acts := []market.Action{
		{Date: date(t, "2020-08-31"), Kind: market.Split, Numerator: dec(t, "4"), Denominator: dec(t, "1")},
		{Date: date(t, "2024-02-09"), Kind: market.Dividend, Amount: dec(t, "0.24")},
		{Date: date(t, "2024-05-10"), Kind: market.Dividend, Amount: dec(t, "0.25")},
	}
	write(t, s, store.Write{Key: aapl, Actions: acts})
	write(t, s, store.Write{Key: aapl, Actions: acts[1:]})
	got, err := s.Actions(context.Background(), aapl, date(t, "2020-01-01"), date(t, "2024-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "actions", got, acts[:2])
}

func testInstruments(t *testing.T, s *store.Store) {
	ctx := context.Background()
	insts := []market.Instrument{
		{Key: aapl, Market: market.XNYS, Currency: "USD", Name: "Apple Inc.", Listed: date(t, "1980-12-12")},
		{Key: samsung, Market: market.XKRX, Board: "KOSPI", Currency: "KRW", Name: "삼성전자"},
	}
	r, err := s.AddInstruments(ctx, insts)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "add", r, store.AddResult{Added: 2})
	n, err := s.DeactivateInstruments(ctx, []market.Key{aapl, {Source: "yahoo", Symbol: "NOPE"}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "deactivated", n, 1)
	active, err := s.Instruments(ctx, store.InstrumentFilter{ActiveOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "active", active, []market.Instrument{{Key: samsung, Market: market.XKRX, Board: "KOSPI", Currency: "KRW", Name: "삼성전자", Active: true}})
	r, err = s.AddInstruments(ctx, []market.Instrument{{Key: aapl}, {Key: samsung}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "re-add", r, store.AddResult{Reactivated: 1, Unchanged: 1})
	us, err := s.Instruments(ctx, store.InstrumentFilter{Market: market.XNYS})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "XNYS", us, []market.Instrument{{Key: aapl, Market: market.XNYS, Currency: "USD", Name: "Apple Inc.", Active: true, Listed: date(t, "1980-12-12")}})
	for board, want := range map[string][]market.Instrument{
		market.BoardKOSPI:  {{Key: samsung, Market: market.XKRX, Board: market.BoardKOSPI, Currency: "KRW", Name: "삼성전자", Active: true}},
		market.BoardKOSDAQ: nil,
	} {
		got, err := s.Instruments(ctx, store.InstrumentFilter{Market: market.XKRX, Board: board})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "board "+board, got, want)
	}
}

func testRuns(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if _, ok, err := s.LastSuccess(ctx, "collect"); err != nil || ok {
		t.Fatalf("LastSuccess on empty store = %v, %v; want false, nil", ok, err)
	}
	t0 := time.Date(2026, 9, 29, 6, 40, 0, 123456000, time.UTC)
	first := &store.Run{Job: "collect", Host: "ip-10-0-0-1", Started: t0}
	if err := s.StartRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Status != store.RunRunning {
		t.Fatalf("StartRun set ID %d status %q", first.ID, first.Status)
	}
	first.Finished = t0.Add(90 * time.Second)
	first.Status = store.RunPartial
	first.OK, first.Failed, first.Requests, first.Throttled, first.Retries = 1, 1, 5, 1, 2
	first.Inserted, first.Changed, first.Unchanged = 10, 1, 4
	first.Message = "1 of 2 failed"
	first.Results = []store.RunResult{
		{Key: samsung, Status: "ok", From: date(t, "2026-09-22"), To: date(t, "2026-09-29"), Rows: 6},
		{Key: market.Key{Source: "naver", Symbol: "0193T0"}, Status: "failed", Error: "naver 0193T0: HTTP 503"},
	}
	if err := s.FinishRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := &store.Run{Job: "collect", Host: "ip-10-0-0-1", Started: t0.Add(time.Hour)}
	if err := s.StartRun(ctx, second); err != nil {
		t.Fatal(err)
	}
	second.Status, second.Finished = store.RunOK, t0.Add(time.Hour+time.Minute)
	if err := s.FinishRun(ctx, second); err != nil {
		t.Fatal(err)
	}
	other := &store.Run{Job: "validate", Started: t0.Add(2 * time.Hour)}
	if err := s.StartRun(ctx, other); err != nil {
		t.Fatal(err)
	}

	got, err := s.Runs(ctx, "collect", 10)
	if err != nil {
		t.Fatal(err)
	}
	second.Results = nil
	want := []store.Run{*second, *first}
	equal(t, "runs", got, want)
	if got, _ := s.Runs(ctx, "", 1); len(got) != 1 || got[0].Job != "validate" || !got[0].Finished.IsZero() {
		t.Errorf("Runs(all, 1) = %+v, want the running validate run", got)
	}
	last, ok, err := s.LastSuccess(ctx, "collect")
	if err != nil || !ok || !last.Equal(second.Started) {
		t.Errorf("LastSuccess = %v, %v, %v; want %v", last, ok, err, second.Started)
	}

	// A later run on a closed day is no success, but is one of its statuses.
	closed := &store.Run{Job: "collect", Started: t0.Add(3 * time.Hour)}
	if err := s.StartRun(ctx, closed); err != nil {
		t.Fatal(err)
	}
	closed.Status, closed.Finished = store.RunClosed, closed.Started
	if err := s.FinishRun(ctx, closed); err != nil {
		t.Fatal(err)
	}
	last, ok, err = s.LastSuccess(ctx, "collect")
	equal(t, "LastSuccess after a closed run", []any{last, ok, err}, []any{second.Started, true, nil})
	last, ok, err = s.LastRunWith(ctx, "collect", store.RunOK, store.RunClosed)
	equal(t, "LastRunWith ok or closed", []any{last, ok, err}, []any{closed.Started, true, nil})
	last, ok, err = s.LastRunWith(ctx, "collect", store.RunFailed)
	equal(t, "LastRunWith failed", []any{last, ok, err}, []any{time.Time{}, false, nil})
}

func testClaimSlot(t *testing.T, s *store.Store) {
	ctx := context.Background()
	slot := time.Date(2026, 9, 29, 16, 10, 0, 0, time.FixedZone("KST", 9*3600))
	for _, c := range []struct {
		job   string
		slot  time.Time
		owner string
		want  bool
	}{
		{"collect-xkrx", slot, "host-a", true},
		{"collect-xkrx", slot, "host-b", false},
		{"collect-xkrx", slot.UTC(), "host-b", false}, // the same instant
		{"collect-xkrx", slot, "host-a", true},        // the holder asking again
		{"collect-xkrx", slot.Add(24 * time.Hour), "host-b", true},
		{"collect-xnys", slot, "host-b", true},
	} {
		got, err := s.ClaimSlot(ctx, c.job, c.slot, c.owner)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("ClaimSlot(%s, %v, %s) = %v, want %v", c.job, c.slot, c.owner, got, c.want)
		}
	}
}

func testLatestBars(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const n = 1500 // more than one query's worth of symbols
	start := date(t, "2024-01-01")
	var batch []store.Write
	want := map[market.Key]market.Bar{}
	var keys []market.Key
	for i := range n {
		k := market.Key{Source: market.SourceNaver, Symbol: fmt.Sprintf("%06d", i)}
		keys = append(keys, k)
		if i%7 == 0 {
			continue // no bars at all: absent from the answer
		}
		var bars []market.Bar
		for d := range 1 + i%5 {
			bars = append(bars, bar(t, start.AddDays(d+i%3).String(), "1", "2", "1", fmt.Sprint(d+1), "1", int64(i)))
		}
		batch = append(batch, store.Write{Key: k, Bars: bars})
		want[k] = bars[len(bars)-1]
	}
	write(t, s, batch...)
	keys = append(keys, market.Key{Source: market.SourceYahoo, Symbol: "000001"})
	got, err := s.LatestBars(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("LatestBars returned %d bars, want %d", len(got), len(want))
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("latest %s = %+v, want %+v", k, got[k], w)
		}
	}
}

func testMigrateTwice(t *testing.T, s *store.Store) {
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

func testInvalidInput(t *testing.T, s *store.Store) {
	ctx := context.Background()
	b := bar(t, "2024-01-02", "1", "1", "1", "1", "1", 1)
	for _, c := range []struct {
		name, want string
		w          store.Write
	}{
		{"quote in symbol", `yahoo:A'B`, store.Write{Key: market.Key{Source: "yahoo", Symbol: "A'B"}, Bars: []market.Bar{b}}},
		{"duplicate date", "two bars dated 2024-01-02", store.Write{Key: aapl, Bars: []market.Bar{b, b}}},
		{"no date", "bar without a date", store.Write{Key: aapl, Bars: []market.Bar{{Close: 1}}}},
	} {
		_, err := s.Write(ctx, []store.Write{c.w})
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Write error %v, want ErrInvalid naming %q", c.name, err, c.want)
		}
	}
	if _, err := s.AddInstruments(ctx, []market.Instrument{{Key: market.Key{Source: "naver", Symbol: "00 5930"}}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("AddInstruments with a space in the symbol: %v, want ErrInvalid", err)
	}
	if got := readBars(t, s, aapl); len(got) != 0 {
		t.Errorf("bars after rejected writes: %+v", got)
	}
}
