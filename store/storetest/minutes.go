package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func minute(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// minuteBar builds a full minute bar from decimal strings.
func minuteBar(t testing.TB, start, o, h, l, c string, vol int64) market.MinuteBar {
	return market.MinuteBar{
		Start: minute(t, start), Open: market.Some(dec(t, o)), High: market.Some(dec(t, h)), Low: market.Some(dec(t, l)),
		Close: dec(t, c), Volume: market.Some(vol),
	}
}

func writeMinutes(t *testing.T, s *store.Store, ws ...store.MinuteWrite) store.WriteResult {
	t.Helper()
	r, err := s.WriteMinutes(context.Background(), ws)
	if err != nil {
		t.Fatalf("WriteMinutes: %v", err)
	}
	return r
}

func readMinutes(t *testing.T, s *store.Store, k market.Key, iv market.Interval, from, to time.Time) []market.MinuteBar {
	t.Helper()
	got, err := s.MinuteBars(context.Background(), k, iv, from, to)
	if err != nil {
		t.Fatalf("MinuteBars(%s %s): %v", k, iv, err)
	}
	return got
}

// aaplMinutes: the first three minutes of 2026-03-09, the first session in
// EDT (9:30 New York is 13:30 UTC); the second has the close alone.
func aaplMinutes(t testing.TB) []market.MinuteBar {
	return []market.MinuteBar{
		minuteBar(t, "2026-03-09T13:30:00Z", "187.15", "188.44", "187.0", "188.01", 1204500),
		{Start: minute(t, "2026-03-09T13:31:00Z"), Close: dec(t, "188.2")},
		minuteBar(t, "2026-03-09T13:32:00Z", "188.2", "188.3", "187.95", "188.00000001", 0),
	}
}

func testMinutesIdempotentRewrite(t *testing.T, s *store.Store) {
	bars := aaplMinutes(t)
	w := store.MinuteWrite{Key: aapl, Interval: market.Interval1m, Bars: bars}
	equal(t, "first write", writeMinutes(t, s, w), store.WriteResult{Inserted: 3})
	equal(t, "second write", writeMinutes(t, s, w), store.WriteResult{Unchanged: 3})
	equal(t, "bars", readMinutes(t, s, aapl, market.Interval1m, time.Time{}, time.Time{}), bars)
	// Other intervals of the same instrument are other series.
	equal(t, "5m bars", readMinutes(t, s, aapl, market.Interval5m, time.Time{}, time.Time{}), []market.MinuteBar(nil))
	equal(t, "empty write", writeMinutes(t, s), store.WriteResult{})
}

// testMinutesRestatement: the live poll stores a minute's close and
// cumulative volume; the archive later brings open, high and low and a
// corrected volume, plus the minutes the poll missed.
func testMinutesRestatement(t *testing.T, s *store.Store) {
	live := []market.MinuteBar{
		{Start: minute(t, "2026-11-19T01:00:00Z"), Close: dec(t, "84700"), Volume: market.Some[int64](120000)},
		{Start: minute(t, "2026-11-19T01:02:00Z"), Close: dec(t, "84800"), Volume: market.Some[int64](3000)},
	}
	equal(t, "live write", writeMinutes(t, s, store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: live}),
		store.WriteResult{Inserted: 2})
	archive := []market.MinuteBar{
		minuteBar(t, "2026-11-19T01:00:00Z", "84500", "84900", "84400", "84700", 121000),
		minuteBar(t, "2026-11-19T01:01:00Z", "84700", "84800", "84600", "84600", 5000),
		{Start: minute(t, "2026-11-19T01:02:00Z"), Close: dec(t, "84800"), Volume: market.Some[int64](3000)},
	}
	equal(t, "archive write", writeMinutes(t, s, store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: archive}),
		store.WriteResult{Inserted: 1, Changed: 1, Unchanged: 1})
	equal(t, "bars", readMinutes(t, s, samsung, market.Interval1m, time.Time{}, time.Time{}), archive)
}

// testMinutesRangeRead: bounds given in any zone select by instant; from
// is inclusive, to exclusive; starts come back in UTC, in order.
func testMinutesRangeRead(t *testing.T, s *store.Store) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	// A session of 5m bars from 9:00 KST (00:00 UTC), written out of order,
	// and the previous session's last bar (15:25 KST the day before).
	var bars []market.MinuteBar
	for i := 5; i >= 0; i-- {
		bars = append(bars, minuteBar(t, minute(t, "2026-01-05T00:00:00Z").Add(time.Duration(i)*5*time.Minute).Format(time.RFC3339),
			"100", "102", "99", "101", int64(i)))
	}
	prev := minuteBar(t, "2026-01-02T06:25:00Z", "100", "100", "100", "100", 7)
	bars = append(bars, prev)
	writeMinutes(t, s, store.MinuteWrite{Key: samsung, Interval: market.Interval5m, Bars: bars})

	from := time.Date(2026, 1, 5, 9, 5, 0, 0, seoul) // 00:05 UTC
	to := time.Date(2026, 1, 5, 9, 20, 0, 0, seoul)  // 00:20 UTC, excluded
	got := readMinutes(t, s, samsung, market.Interval5m, from, to)
	want := []market.MinuteBar{bars[4], bars[3], bars[2]}
	equal(t, "09:05-09:20 KST", got, want)
	for _, b := range got {
		if b.Start.Location() != time.UTC {
			t.Errorf("start %v in %v, want UTC", b.Start, b.Start.Location())
		}
	}
	// A bound within a minute: starts at or after 09:04:30 are 09:05 on.
	equal(t, "from 09:04:30", readMinutes(t, s, samsung, market.Interval5m, from.Add(-30*time.Second), to), want)
	equal(t, "before the session", readMinutes(t, s, samsung, market.Interval5m, time.Time{}, time.Date(2026, 1, 5, 9, 0, 0, 0, seoul)),
		[]market.MinuteBar{prev})
	if _, err := s.MinuteBars(context.Background(), samsung, market.Interval1d, time.Time{}, time.Time{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("MinuteBars 1d: %v, want ErrInvalid", err)
	}
}

// testMinutesMany writes a whole KRX session of 1m bars for 60 codes in
// one call (23,400 rows: more than one bulk load and one INSERT), then the
// same call with every other code restated and a minute added to each.
func testMinutesMany(t *testing.T, s *store.Store) {
	open := minute(t, "2026-01-05T00:00:00Z")
	session := func(i, minutes int, close string) store.MinuteWrite {
		w := store.MinuteWrite{Key: market.Key{Source: market.SourceNaver, Symbol: fmt.Sprintf("%06d", 5930+i)}, Interval: market.Interval1m}
		for m := range minutes {
			w.Bars = append(w.Bars, market.MinuteBar{Start: open.Add(time.Duration(m) * time.Minute), Close: dec(t, close),
				Volume: market.Some(int64(m))})
		}
		return w
	}
	var first, second []store.MinuteWrite
	for i := range 60 {
		first = append(first, session(i, 390, "84700"))
		close := "84700"
		if i%2 == 0 {
			close = "84800"
		}
		second = append(second, session(i, 391, close))
	}
	equal(t, "first write", writeMinutes(t, s, first...), store.WriteResult{Inserted: 60 * 390})
	equal(t, "second write", writeMinutes(t, s, second...), store.WriteResult{Inserted: 60, Changed: 30 * 390, Unchanged: 30 * 390})
	for _, i := range []int{0, 1, 59} {
		equal(t, fmt.Sprintf("bars of %s", second[i].Key), readMinutes(t, s, second[i].Key, market.Interval1m, time.Time{}, time.Time{}), second[i].Bars)
	}
}

// testMinuteRetention: dropping before a date removes the bars of every
// month that ended by then, on both dialects, and keeps the date's month.
func testMinuteRetention(t *testing.T, s *store.Store) {
	ctx := context.Background()
	months := []string{"2025-12-31T20:59:00Z", "2026-01-02T00:00:00Z", "2026-02-27T06:29:00Z", "2026-03-02T00:00:00Z", "2026-04-01T13:30:00Z"}
	var bars []market.MinuteBar
	for _, m := range months {
		bars = append(bars, market.MinuteBar{Start: minute(t, m), Close: dec(t, "1")})
	}
	writeMinutes(t, s, store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: bars},
		store.MinuteWrite{Key: aapl, Interval: market.Interval60m, Bars: bars[:1]})
	if _, err := s.DropMinutePartitionsBefore(ctx, minute(t, "2026-03-10T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	equal(t, "kept", readMinutes(t, s, samsung, market.Interval1m, time.Time{}, time.Time{}), bars[3:])
	equal(t, "other series", readMinutes(t, s, aapl, market.Interval60m, time.Time{}, time.Time{}), []market.MinuteBar(nil))
	// Again: nothing more to drop, and writes go on into kept months and
	// into months the drop made room for.
	if _, err := s.DropMinutePartitionsBefore(ctx, minute(t, "2026-03-10T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	more := market.MinuteBar{Start: minute(t, "2026-06-01T00:00:00Z"), Close: dec(t, "2")}
	equal(t, "write after drop", writeMinutes(t, s, store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: []market.MinuteBar{bars[3], more}}),
		store.WriteResult{Inserted: 1, Unchanged: 1})
	equal(t, "after", readMinutes(t, s, samsung, market.Interval1m, time.Time{}, time.Time{}), append(bars[3:], more))
}

// testMinutesInvalid: a bad bar fails its write with an error naming the
// instrument and the start, and stores nothing of the batch.
func testMinutesInvalid(t *testing.T, s *store.Store) {
	ctx := context.Background()
	good := store.MinuteWrite{Key: aapl, Interval: market.Interval1m, Bars: aaplMinutes(t)}
	for _, tt := range []struct {
		w    store.MinuteWrite
		want string
	}{
		{store.MinuteWrite{Key: samsung, Interval: market.Interval1d, Bars: aaplMinutes(t)}, "naver:005930: invalid input: interval 1d is not intraday"},
		{store.MinuteWrite{Key: samsung, Bars: aaplMinutes(t)}, "naver:005930: invalid input: interval Interval(0) is not intraday"},
		{store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: []market.MinuteBar{{Start: minute(t, "2026-03-09T13:30:00Z").Add(30 * time.Second), Close: 1}}},
			"naver:005930 1m: invalid input: bar start 2026-03-09T13:30:30Z is not on a whole minute"},
		{store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: []market.MinuteBar{{Close: 1}}}, "naver:005930 1m: invalid input: bar without a start"},
		{store.MinuteWrite{Key: samsung, Interval: market.Interval5m, Bars: append(aaplMinutes(t), aaplMinutes(t)[1])},
			"naver:005930 5m: invalid input: two bars starting 2026-03-09T13:31:00Z"},
		{store.MinuteWrite{Key: market.Key{Source: "naver", Symbol: "00'5930"}, Interval: market.Interval1m}, `"naver:00'5930"`},
	} {
		_, err := s.WriteMinutes(ctx, []store.MinuteWrite{good, tt.w})
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("WriteMinutes: %v, want ErrInvalid naming %q", err, tt.want)
		}
	}
	if _, err := s.WriteMinutes(ctx, []store.MinuteWrite{good, good}); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "yahoo:AAPL 1m minutes: invalid input: series twice") {
		t.Errorf("the same series twice: %v", err)
	}
	// A negative price passes validation but not the table's CHECK: the
	// transaction, good bars included, is rolled back.
	bad := store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: []market.MinuteBar{{Start: minute(t, "2026-01-05T00:00:00Z"), Close: dec(t, "-1")}}}
	if _, err := s.WriteMinutes(ctx, []store.MinuteWrite{good, bad}); err == nil {
		t.Error("negative close stored")
	}
	equal(t, "nothing stored", readMinutes(t, s, aapl, market.Interval1m, time.Time{}, time.Time{}), []market.MinuteBar(nil))
}

// testLatestMinutes: the last stored start of each asked key in one
// interval, in UTC; keys with no bar of that interval are absent, other
// intervals and instruments are not mixed in, and more keys than one
// statement asks about are all answered.
func testLatestMinutes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	writeMinutes(t, s,
		store.MinuteWrite{Key: aapl, Interval: market.Interval1m, Bars: aaplMinutes(t)},
		store.MinuteWrite{Key: aapl, Interval: market.Interval5m, Bars: []market.MinuteBar{{Start: minute(t, "2026-03-10T19:55:00Z"), Close: 1}}},
		store.MinuteWrite{Key: samsung, Interval: market.Interval1m, Bars: []market.MinuteBar{
			{Start: minute(t, "2026-03-10T06:29:00Z"), Close: 1}, {Start: minute(t, "2026-03-10T00:00:00Z"), Close: 2}}})
	keys := []market.Key{aapl, samsung, {Source: market.SourceYahoo, Symbol: "NONE"}}
	for i := range 450 { // more than one statement's worth, none stored
		keys = append(keys, market.Key{Source: market.SourceNaver, Symbol: fmt.Sprintf("9%05d", i)})
	}
	got, err := s.LatestMinutes(ctx, market.Interval1m, keys)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "1m", got, map[market.Key]time.Time{aapl: minute(t, "2026-03-09T13:32:00Z"), samsung: minute(t, "2026-03-10T06:29:00Z")})
	for k, at := range got {
		if at.Location() != time.UTC {
			t.Errorf("%s: %v in %v, want UTC", k, at, at.Location())
		}
	}
	got, err = s.LatestMinutes(ctx, market.Interval5m, keys[:2])
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "5m", got, map[market.Key]time.Time{aapl: minute(t, "2026-03-10T19:55:00Z")})
	got, err = s.LatestMinutes(ctx, market.Interval60m, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("no keys: %v, %v; want an empty map", got, err)
	}
	if _, err := s.LatestMinutes(ctx, market.Interval1d, keys[:1]); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "1d") {
		t.Errorf("LatestMinutes 1d: %v, want ErrInvalid naming 1d", err)
	}
}
