package sourcetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

func yahooKey(s string) market.Key { return market.Key{Source: market.SourceYahoo, Symbol: s} }
func naverKey(s string) market.Key { return market.Key{Source: market.SourceNaver, Symbol: s} }

// TestMinuteTruthAddsUpToTheDay: a session's minutes start where the
// calendar says (DST, KRX's late openings), open at the day's open, close
// at its close, reach its high and low and add up to its volume; 5m and
// 60m bars aggregate the same minutes.
func TestMinuteTruthAddsUpToTheDay(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := New(Options{Now: fixedNow(now), Symbols: []Symbol{{Symbol: "AAPL"}, {Symbol: "005930"}, {Symbol: "THIN", Illiquid: true},
		{Symbol: "000660", Halts: []market.Date{d(2026, 11, 3)}}}})
	for _, tt := range []struct {
		key       market.Key
		day       market.Date
		n         int // 1m bars; -1: fewer than the session's minutes, but some
		firstUTC  string
		sessionN  int
		sessionMI string
	}{
		{yahooKey("AAPL"), d(2026, 10, 30), 390, "2026-10-30T13:30:00Z", 390, market.XNYS},
		{yahooKey("AAPL"), d(2026, 11, 2), 390, "2026-11-02T14:30:00Z", 390, market.XNYS},    // EST from 2026-11-01
		{naverKey("005930"), d(2026, 11, 19), 390, "2026-11-19T01:00:00Z", 390, market.XKRX}, // 10:00-16:30
		{yahooKey("005930.KS"), d(2026, 11, 18), 390, "2026-11-18T00:00:00Z", 390, market.XKRX},
		{yahooKey("THIN"), d(2026, 11, 2), -1, "", 390, market.XNYS},
		{naverKey("000660"), d(2026, 11, 3), 0, "", 390, market.XKRX}, // halted
	} {
		name := fmt.Sprintf("%s %s", tt.key, tt.day)
		got := m.MinuteTruth(tt.key, market.Interval1m, tt.day)
		switch {
		case tt.n >= 0 && len(got) != tt.n:
			t.Fatalf("%s: %d minutes, want %d", name, len(got), tt.n)
		case tt.n < 0 && (len(got) == 0 || len(got) >= tt.sessionN/2):
			t.Fatalf("%s: %d minutes of %d for an illiquid symbol, want some, under half", name, len(got), tt.sessionN)
		case len(got) == 0:
			continue
		}
		if tt.firstUTC != "" && got[0].Start.Format(time.RFC3339) != tt.firstUTC {
			t.Errorf("%s: first minute %s, want %s", name, got[0].Start.Format(time.RFC3339), tt.firstUTC)
		}
		cal, err := calendar.For(tt.sessionMI)
		if err != nil {
			t.Fatal(err)
		}
		starts := cal.BarStarts(tt.day, market.Interval1m)
		daily := m.Bars(tt.key.Source, tt.key.Symbol, tt.day, tt.day)
		if len(daily) != 1 {
			t.Fatalf("%s: %d daily bars", name, len(daily))
		}
		b := daily[0]
		hi, lo, vol := got[0].High.V, got[0].Low.V, int64(0)
		for i, x := range got {
			if !slices.ContainsFunc(starts, x.Start.Equal) {
				t.Fatalf("%s: minute %s is not one of the calendar's", name, x.Start)
			}
			if i > 0 && !x.Start.After(got[i-1].Start) {
				t.Fatalf("%s: minutes out of order at %d", name, i)
			}
			if x.High.V < max(x.Open.V, x.Close) || x.Low.V > min(x.Open.V, x.Close) {
				t.Errorf("%s: minute %s has o/h/l/c %s/%s/%s/%s", name, x.Start, x.Open.V, x.High.V, x.Low.V, x.Close)
			}
			hi, lo, vol = max(hi, x.High.V), min(lo, x.Low.V), vol+x.Volume.V
		}
		if got[0].Open.V != b.Open.V || got[len(got)-1].Close != b.Close || hi != b.High.V || lo != b.Low.V || vol != b.Volume.V {
			t.Errorf("%s: minutes add up to o %s h %s l %s c %s v %d; the day is %+v", name,
				got[0].Open.V, hi, lo, got[len(got)-1].Close, vol, b)
		}
		for _, iv := range []market.Interval{market.Interval5m, market.Interval60m} {
			agg := m.MinuteTruth(tt.key, iv, tt.day)
			var sum int64
			for _, x := range agg {
				sum += x.Volume.V
			}
			if tt.n > 0 && len(agg) != cal.BarCount(tt.day, iv) || sum != vol || agg[0].Open != got[0].Open || agg[len(agg)-1].Close != got[len(got)-1].Close {
				t.Errorf("%s %s: %d bars, volume %d; want %d bars of the minutes' volume %d", name, iv, len(agg), sum, cal.BarCount(tt.day, iv), vol)
			}
		}
	}
	// The same seed draws the same minutes.
	again := New(Options{Now: fixedNow(now), Symbols: []Symbol{{Symbol: "AAPL"}}})
	if a, b := m.MinuteTruth(yahooKey("AAPL"), market.Interval1m, d(2026, 11, 2)), again.MinuteTruth(yahooKey("AAPL"), market.Interval1m, d(2026, 11, 2)); !slices.Equal(a, b) {
		t.Error("two markets with one seed differ")
	}
}

// TestMinuteTruthInProgress: a session in progress has the bars that have
// ended, a bar the close cuts short ends at the close.
func TestMinuteTruthInProgress(t *testing.T) {
	now := time.Date(2026, 11, 2, 15, 2, 30, 0, time.UTC) // 10:02:30 EST
	m := New(Options{Now: fixedNow(now)})
	for _, tt := range []struct {
		iv   market.Interval
		n    int
		last string
	}{{market.Interval1m, 32, "2026-11-02T15:01:00Z"}, {market.Interval5m, 6, "2026-11-02T14:55:00Z"}, {market.Interval60m, 0, ""}} {
		got := m.MinuteTruth(yahooKey("AAPL"), tt.iv, d(2026, 11, 2))
		if len(got) != tt.n || tt.n > 0 && got[len(got)-1].Start.Format(time.RFC3339) != tt.last {
			t.Errorf("%s: %d bars, want %d ending with %s", tt.iv, len(got), tt.n, tt.last)
		}
	}
}

// TestYahooIntradayLimits: Yahoo's 422 answers, word for word as quoted
// from the site, beyond an interval's reach and over 1m's seven days.
func TestYahooIntradayLimits(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := New(Options{Now: fixedNow(now)})
	p2 := now.Unix()
	for _, tt := range []struct {
		iv     string
		p1     int64
		status int
		desc   string
	}{
		{"1m", p2 - 8*86400, 422, fmt.Sprintf("1m data not available for startTime=%d and endTime=%d. Only 7 days worth of 1m granularity data are allowed to be fetched per request.", p2-8*86400, p2)},
		{"1m", p2 - 7*86400, 200, ""},
		{"5m", p2 - 61*86400, 422, fmt.Sprintf("5m data not available for startTime=%d and endTime=%d. The requested range must be within the last 60 days.", p2-61*86400, p2)},
		{"60m", p2 - 731*86400, 422, fmt.Sprintf("60m data not available for startTime=%d and endTime=%d. The requested range must be within the last 730 days.", p2-731*86400, p2)},
		{"60m", p2 - 700*86400, 200, ""},
	} {
		resp, body := get(t, m, fmt.Sprintf("/v8/finance/chart/AAPL?interval=%s&period1=%d&period2=%d", tt.iv, tt.p1, p2))
		if resp.StatusCode != tt.status {
			t.Fatalf("%s from %d: status %d, want %d: %s", tt.iv, tt.p1, resp.StatusCode, tt.status, body)
		}
		if tt.status != http.StatusUnprocessableEntity {
			continue
		}
		var env struct {
			Chart struct {
				Result []any
				Error  struct{ Code, Description string }
			}
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		if env.Chart.Result != nil || env.Chart.Error.Code != "Unprocessable Entity" || env.Chart.Error.Description != tt.desc {
			t.Errorf("%s: %s, want the description %q", tt.iv, body, tt.desc)
		}
	}
}

// TestPollingMovesEveryMinute: during the KRX session the polling feed
// shows the last ended minute's close, stamped at its last second, and
// the volume of every minute so far; before the first minute ends, the
// previous close with no volume.
func TestPollingMovesEveryMinute(t *testing.T) {
	var now time.Time
	m := New(Options{Now: func() time.Time { return now }, Symbols: []Symbol{{Symbol: "005930"}, {Symbol: "000660", Illiquid: true}}})
	day := d(2026, 11, 18)
	prev := time.Date(2026, 11, 17, 20, 0, 0, 0, seoul())
	now = prev
	prevClose := m.Bars(market.SourceNaver, "005930", d(2026, 11, 17), d(2026, 11, 17))[0].Close
	now = time.Date(2026, 11, 18, 15, 31, 0, 0, seoul())
	truth := map[string][]market.MinuteBar{}
	for _, code := range []string{"005930", "000660"} {
		truth[code] = m.MinuteTruth(naverKey(code), market.Interval1m, day)
	}
	type quote struct {
		ClosePriceRaw, AccumulatedTradingVolumeRaw, LocalTradedAt, ItemCode string
	}
	poll := func() map[string]quote {
		_, body := get(t, m, "/api/realtime/domestic/stock/005930,000660")
		var doc struct{ Datas []quote }
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		out := map[string]quote{}
		for _, q := range doc.Datas {
			out[q.ItemCode] = q
		}
		return out
	}
	now = time.Date(2026, 11, 18, 9, 0, 40, 0, seoul())
	if q := poll()["005930"]; q.ClosePriceRaw != prevClose.String() || q.AccumulatedTradingVolumeRaw != "0" || q.LocalTradedAt != "2026-11-18T09:00:00+09:00" {
		t.Errorf("before the first minute ended: %+v, want the previous close %s, volume 0, at the open", q, prevClose)
	}
	for _, at := range []time.Time{time.Date(2026, 11, 18, 10, 5, 2, 0, seoul()), time.Date(2026, 11, 18, 10, 6, 2, 0, seoul()), time.Date(2026, 11, 18, 15, 29, 59, 0, seoul())} {
		now = at
		got := poll()
		for code, bars := range truth {
			var last market.MinuteBar
			var vol int64
			for _, b := range bars {
				if b.Start.Add(time.Minute).After(now) {
					break
				}
				last, vol = b, vol+b.Volume.V
			}
			want := quote{ItemCode: code, ClosePriceRaw: last.Close.String(), AccumulatedTradingVolumeRaw: fmt.Sprint(vol),
				LocalTradedAt: last.Start.Add(59 * time.Second).In(seoul()).Format(time.RFC3339)}
			if got[code] != want {
				t.Errorf("%s at %s: %+v, want %+v", code, at.Format("15:04:05"), got[code], want)
			}
		}
	}
	if n := len(truth["000660"]); n == 0 || n >= 390/2 {
		t.Errorf("illiquid 000660 trades in %d minutes of 390", n)
	}
}

// TestFChartMinutes: the minute archive lists the latest traded minutes,
// Seoul wall clock, with the day's cumulative volume; only the last seven
// days.
func TestFChartMinutes(t *testing.T) {
	now := time.Date(2026, 11, 19, 10, 3, 30, 0, seoul()) // the exam day opens at 10:00
	m := New(Options{Now: fixedNow(now)})
	_, body := get(t, m, "/sise.nhn?symbol=005930&timeframe=minute&count=3&requestType=0")
	prev := m.MinuteTruth(naverKey("005930"), market.Interval1m, d(2026, 11, 18))
	today := m.MinuteTruth(naverKey("005930"), market.Interval1m, d(2026, 11, 19))
	if len(today) != 3 {
		t.Fatalf("%d minutes ended by 10:03:30, want 3", len(today))
	}
	var dayVol int64
	for _, b := range prev {
		dayVol += b.Volume.V
	}
	last := prev[len(prev)-1]
	item := func(b market.MinuteBar, cum int64) string {
		return fmt.Sprintf(`<item data="%s|%s|%s|%s|%s|%d" />`, b.Start.In(seoul()).Format("200601021504"), b.Open.V, b.High.V, b.Low.V, b.Close, cum)
	}
	// 10:03 is in progress: it is listed, and the count takes it.
	for _, want := range []string{`timeframe="minute"`, item(today[1], today[0].Volume.V+today[1].Volume.V), item(today[2], today[0].Volume.V+today[1].Volume.V+today[2].Volume.V)} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), item(last, dayVol)) || strings.Contains(string(body), item(today[0], today[0].Volume.V)) {
		t.Errorf("count=3 lists more than the three latest minutes:\n%s", body)
	}
	_, body = get(t, m, "/sise.nhn?symbol=005930&timeframe=minute&count=100000&requestType=0")
	// From the cutoff, 2026-11-12 10:03:30: 10:04-15:29 that day, four
	// whole sessions, and today's 10:00-10:03.
	if n := strings.Count(string(body), "<item "); n != 326+4*390+4 {
		t.Errorf("%d items in the archive, want %d", n, 326+4*390+4)
	}
	if strings.Contains(string(body), `data="202611111`) || !strings.Contains(string(body), `data="202611121004|`) || strings.Contains(string(body), `data="202611121003|`) {
		t.Errorf("the archive does not start seven days back (2026-11-12 10:04):\n%.600s", body)
	}
}
