package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

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
