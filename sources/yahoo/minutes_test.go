package yahoo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

const amznMinutes = "chart_AMZN_1m_range30m_20230502.json"

func minuteWin(iv market.Interval, now time.Time) minuteWindow {
	m, _ := market.LookupMarket(market.XNYS)
	return minuteWindow{window: window{symbol: "AMZN", now: now, market: &m}, interval: iv}
}

func minuteStarts(bars []market.MinuteBar) []string {
	out := make([]string, len(bars))
	for i, b := range bars {
		out[i] = b.Start.Format("15:04")
	}
	return out
}

// TestMinutesAMZN decodes a recorded 1m body: the last half hour of
// 2023-05-02 (15:30-16:00 EDT, 19:30-20:00 UTC) and Yahoo's zero-volume
// row stamped at the close, which starts no minute of the session.
func TestMinutesAMZN(t *testing.T) {
	bars, err := decodeMinutes(readFixture(t, amznMinutes), minuteWin(market.Interval1m, later))
	if err != nil {
		t.Fatal(err)
	}
	if len(bars) != 30 {
		t.Fatalf("%d bars, want 30: %v", len(bars), minuteStarts(bars))
	}
	for i, b := range bars {
		want := time.Date(2023, 5, 2, 19, 30+i, 0, 0, time.UTC)
		if !b.Start.Equal(want) || b.Start.Location() != time.UTC {
			t.Fatalf("bar %d starts %v, want %v in UTC", i, b.Start, want)
		}
	}
	d := func(s string) market.Decimal {
		v, err := market.ParseDecimal(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Rounded to priceHint 2: 103.69999694824219 is 103.70. The first
	// minute's volume is 0, and stays 0 (not missing).
	first := market.MinuteBar{Start: bars[0].Start, Open: market.Some(d("103.70")), High: market.Some(d("103.72")),
		Low: market.Some(d("103.60")), Close: d("103.60"), Volume: market.Some[int64](0)}
	last := market.MinuteBar{Start: bars[29].Start, Open: market.Some(d("103.78")), High: market.Some(d("103.79")),
		Low: market.Some(d("103.58")), Close: d("103.66"), Volume: market.Some[int64](862819)}
	if bars[0] != first {
		t.Errorf("15:30 bar = %+v, want %+v", bars[0], first)
	}
	if bars[29] != last {
		t.Errorf("15:59 bar = %+v, want %+v", bars[29], last)
	}
}

// TestMinutesPartial: the current minute is kept out until it has passed.
func TestMinutesPartial(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(2023, 5, 2, 19, 44, 59, 0, time.UTC), 14}, // 15:44 still running
		{time.Date(2023, 5, 2, 19, 45, 0, 0, time.UTC), 15},  // 15:44 has just ended
		{time.Date(2023, 5, 2, 19, 30, 0, 0, time.UTC), 0},
		{time.Unix(1683057604, 0), 30}, // regularMarketTime: 4 s after the close
	} {
		bars, err := decodeMinutes(readFixture(t, amznMinutes), minuteWin(market.Interval1m, tt.now))
		if err != nil {
			t.Fatal(err)
		}
		if len(bars) != tt.want {
			t.Errorf("now %v: %d bars %v, want %d", tt.now, len(bars), minuteStarts(bars), tt.want)
		}
	}
}

// editAMZN returns the recorded body changed by edit, which gets the
// result object.
func editAMZN(t *testing.T, edit func(res map[string]any, q map[string]any)) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(readFixture(t, amznMinutes), &env); err != nil {
		t.Fatal(err)
	}
	res := env["chart"].(map[string]any)["result"].([]any)[0].(map[string]any)
	q := res["indicators"].(map[string]any)["quote"].([]any)[0].(map[string]any)
	edit(res, q)
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMinutesNulls: a minute without a trade (a row of nulls, as Yahoo
// sends for thin instruments) is no bar; a null open, high, low or volume
// is missing, never 0; a 0 open beside a close is a placeholder.
func TestMinutesNulls(t *testing.T) {
	body := editAMZN(t, func(_, q map[string]any) {
		for _, col := range []string{"open", "high", "low", "close", "volume"} {
			q[col].([]any)[3] = nil // 15:33: nothing at all
		}
		q["open"].([]any)[5], q["high"].([]any)[5], q["volume"].([]any)[5] = nil, nil, nil
		q["low"].([]any)[6] = 0.0
	})
	bars, err := decodeMinutes(body, minuteWin(market.Interval1m, later))
	if err != nil {
		t.Fatal(err)
	}
	if len(bars) != 29 || bars[3].Start.Format("15:04") != "19:34" {
		t.Fatalf("%d bars %v, want 29 without 19:33", len(bars), minuteStarts(bars))
	}
	b := bars[4] // 19:35
	if b.Open.Valid || b.High.Valid || b.Volume.Valid || !b.Low.Valid || b.Close != market.Decimal(10363000000) {
		t.Errorf("19:35 = %+v, want open, high and volume missing, low and close kept", b)
	}
	if bars[5].Low.Valid || !bars[5].Open.Valid {
		t.Errorf("19:36 = %+v, want the 0 low missing", bars[5])
	}
}

// TestMinutesHourly: 60m bars start at the open (9:30 New York); the last
// one, cut short by the close, is whole at 16:00, not at 16:30; the live
// row stamped at the last trade is no bar. tradingPeriods in the form of
// a request with includePrePost is read too.
func TestMinutesHourly(t *testing.T) {
	open := int64(1683034200) // 2023-05-02 9:30 EDT
	stamps := []any{}
	var prices []any
	for i := range 7 {
		stamps = append(stamps, float64(open+int64(i)*3600))
		prices = append(prices, 100.0+float64(i))
	}
	stamps = append(stamps, float64(open+6*3600+17*60+4)) // the live row at 15:47:04
	prices = append(prices, 106.5)
	for _, prepost := range []bool{false, true} {
		body := editAMZN(t, func(res, q map[string]any) {
			meta := res["meta"].(map[string]any)
			meta["dataGranularity"] = "60m"
			if prepost {
				meta["tradingPeriods"] = map[string]any{
					"pre":     []any{[]any{map[string]any{"start": 1683014400, "end": 1683034200}}},
					"regular": []any{[]any{map[string]any{"start": 1683034200, "end": 1683057600}}},
					"post":    []any{[]any{map[string]any{"start": 1683057600, "end": 1683072000}}},
				}
			}
			res["timestamp"] = stamps
			for _, col := range []string{"open", "high", "low", "close", "volume"} {
				q[col] = prices
			}
		})
		for _, tt := range []struct {
			now  time.Time
			want int
		}{
			{time.Date(2023, 5, 2, 19, 59, 59, 0, time.UTC), 6},
			{time.Date(2023, 5, 2, 20, 0, 0, 0, time.UTC), 7},
			{later, 7},
		} {
			bars, err := decodeMinutes(body, minuteWin(market.Interval60m, tt.now))
			if err != nil {
				t.Fatal(err)
			}
			if len(bars) != tt.want || tt.want > 0 && bars[len(bars)-1].Start.Unix() != open+int64(tt.want-1)*3600 {
				t.Errorf("prepost %v, now %v: %v, want %d bars from 13:30 UTC on the hour", prepost, tt.now, minuteStarts(bars), tt.want)
			}
		}
	}
}

func TestMinutesMalformed(t *testing.T) {
	for _, tt := range []struct {
		name string
		body []byte
		iv   market.Interval
		want string
	}{
		{"interval", readFixture(t, amznMinutes), market.Interval5m, `yahoo AMZN: malformed chart response: meta.dataGranularity is "1m" for interval 5m`},
		{"daily", readFixture(t, amznMinutes), market.Interval1d, "yahoo AMZN: malformed chart response: interval 1d is not intraday"},
		{"short column", editAMZN(t, func(_, q map[string]any) { q["close"] = q["close"].([]any)[1:] }), market.Interval1m,
			"yahoo AMZN: malformed chart response: indicators.quote[0].close has 30 values for 31 timestamps"},
		{"periods", editAMZN(t, func(res, _ map[string]any) { res["meta"].(map[string]any)["tradingPeriods"] = "x" }), market.Interval1m,
			"yahoo AMZN: malformed chart response: meta.tradingPeriods: json: cannot unmarshal string into Go value of type struct"},
	} {
		_, err := decodeMinutes(tt.body, minuteWin(tt.iv, later))
		if !errors.Is(err, errMalformed) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	_, err := decodeMinutes(readFixture(t, amznMinutes), minuteWindow{window: window{symbol: "AAPL", now: later}, interval: market.Interval1m})
	if !errors.Is(err, ErrWrongSymbol) {
		t.Errorf("another symbol: %v", err)
	}
	_, err = decodeMinutes(readFixture(t, "error_404_not_found.json"), minuteWin(market.Interval1m, later))
	if !errors.Is(err, market.ErrNotFound) {
		t.Errorf("404 body: %v", err)
	}
}

func FuzzDecodeMinutes(f *testing.F) {
	f.Add(readFixture(f, amznMinutes), false)
	f.Add(readFixture(f, "chart_AAPL_1d_20200831_20201107_events.json"), false)
	f.Add([]byte(`{"chart":{"result":[{"meta":{"tradingPeriods":{"regular":[[{"start":0,"end":120}]]}},"timestamp":[60,60,0],"indicators":{"quote":[{"open":[1,2,null],"high":[1,2,3],"low":[0,0,0],"close":[1,2,3],"volume":[1,2,3]}]}}]}}`), false)
	f.Add([]byte(`{"chart":{"result":[{"meta":{"tradingPeriods":{"pre":[[{"start":0,"end":60}]],"regular":[[{"start":60,"end":120}]],"post":[[{"start":120,"end":240}]]}},"timestamp":[0,60,120,180],"indicators":{"quote":[{"open":[1,2,3,4],"high":[1,2,3,4],"low":[1,2,3,4],"close":[1,2,3,4],"volume":[1,2,3,4]}]}}]}}`), true)
	f.Fuzz(func(t *testing.T, body []byte, prePost bool) {
		bars, err := decodeMinutes(body, minuteWindow{window: window{symbol: "F", now: later}, interval: market.Interval1m, prePost: prePost})
		if err != nil {
			return
		}
		for i, b := range bars {
			if b.Start.Location() != time.UTC || b.Start.Unix()%60 != 0 || !b.Start.Add(time.Minute).After(b.Start) {
				t.Fatalf("bar %d starts %v", i, b.Start)
			}
			if i > 0 && !b.Start.After(bars[i-1].Start) {
				t.Fatalf("bars out of order: %v after %v", b.Start, bars[i-1].Start)
			}
		}
	})
}
