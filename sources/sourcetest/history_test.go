package sourcetest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// The history is the same whatever the window asked and whoever asks;
// prices are consistent and at the market's precision; sessions follow
// the exchange calendar.
func TestHistoryDeterministicAndConsistent(t *testing.T) {
	now := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	m1 := New(Options{Now: fixedNow(now), Seed: 7})
	m2 := New(Options{Now: fixedNow(now), Seed: 7})
	other := New(Options{Now: fixedNow(now), Seed: 8})
	for _, tt := range []struct{ source, symbol, mic string }{
		{market.SourceYahoo, "MSFT", market.XNYS},
		{market.SourceYahoo, "000660.KS", market.XKRX},
		{market.SourceNaver, "000660", market.XKRX},
		{market.SourceNaver, "0193T0", market.XKRX},
	} {
		wide := m1.Bars(tt.source, tt.symbol, d(2019, 1, 1), d(2026, 12, 31))
		narrow := m2.Bars(tt.source, tt.symbol, d(2024, 3, 1), d(2024, 3, 31))
		cal, err := calendar.For(tt.mic)
		if err != nil {
			t.Fatal(err)
		}
		var dates []market.Date
		for _, b := range wide {
			dates = append(dates, b.Date)
		}
		if want := cal.Sessions(d(2019, 1, 1), d(2026, 11, 20)); !slices.Equal(dates, want) {
			t.Errorf("%s %s: %d bars, calendar has %d sessions", tt.source, tt.symbol, len(dates), len(want))
		}
		i := slices.IndexFunc(wide, func(b market.Bar) bool { return b.Date == narrow[0].Date })
		if i < 0 || !slices.Equal(wide[i:i+len(narrow)], narrow) {
			t.Errorf("%s %s: March 2024 differs between windows", tt.source, tt.symbol)
		}
		if o := other.Bars(tt.source, tt.symbol, d(2024, 3, 1), d(2024, 3, 31)); slices.Equal(o, narrow) {
			t.Errorf("%s %s: another seed gives the same history", tt.source, tt.symbol)
		}
		decimals := 2
		if tt.source == market.SourceNaver {
			decimals = 0
		}
		for _, b := range wide {
			o, h, l, c := b.Open.V, b.High.V, b.Low.V, b.Close
			if l > min(o, c) || h < max(o, c) || l <= 0 || !b.Volume.Valid || b.Volume.V <= 0 || !b.Final {
				t.Fatalf("%s %s: inconsistent bar %+v", tt.source, tt.symbol, b)
			}
			for _, x := range []market.Decimal{o, h, l, c} {
				if x.Round(decimals) != x {
					t.Fatalf("%s %s %s: %v not at %d decimals", tt.source, tt.symbol, b.Date, x, decimals)
				}
			}
		}
	}
}

// Chuseok 2026 (09-24, 09-25) is closed on XKRX, as in the recordings.
func TestKRXHolidaysFollowCalendar(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded)})
	var dates []market.Date
	for _, b := range m.Bars(market.SourceNaver, "005930", d(2026, 9, 20), d(2026, 9, 29)) {
		dates = append(dates, b.Date)
	}
	want := []market.Date{d(2026, 9, 21), d(2026, 9, 22), d(2026, 9, 23), d(2026, 9, 28), d(2026, 9, 29)}
	if !slices.Equal(dates, want) {
		t.Errorf("sessions %v, want %v", dates, want)
	}
}

// The session's bar moves until after-hours end (20:00 KST), then stays;
// before the close it is not part of the ground truth.
func TestProvisionalBar(t *testing.T) {
	day := d(2026, 9, 29)
	at := func(h, mi int) time.Time { return time.Date(2026, 9, 29, h, mi, 0, 0, seoul()) }
	bars := map[string]market.Bar{}
	for _, tt := range []struct {
		name  string
		now   time.Time
		count int
		final bool
	}{
		{"morning", at(10, 0), 0, false},
		{"after close", at(16, 0), 1, false},
		{"evening", at(19, 34), 1, false},
		{"later", at(19, 35), 1, false},
		{"settled", at(20, 0), 1, true},
		{"night", at(23, 0), 1, true},
	} {
		got := New(Options{Now: fixedNow(tt.now)}).Bars(market.SourceNaver, "005930", day, day)
		if len(got) != tt.count || (tt.count == 1 && got[0].Final != tt.final) {
			t.Fatalf("%s: %+v, want %d bar(s) with Final %v", tt.name, got, tt.count, tt.final)
		}
		if tt.count == 1 {
			bars[tt.name] = got[0]
		}
	}
	if bars["evening"] == bars["later"] {
		t.Errorf("provisional bar did not move between 19:34 and 19:35: %+v", bars["evening"])
	}
	settled, night := bars["settled"], bars["night"]
	if settled != night {
		t.Errorf("settled bar moved: %+v then %+v", settled, night)
	}
	// During the session fchart already serves the moving bar.
	_, body := get(t, New(Options{Now: fixedNow(at(10, 0))}), "/sise.nhn?symbol=005930&timeframe=day&count=1&requestType=0")
	if _, items, _ := xmlShape(t, body); len(items) != 1 || !strings.HasPrefix(items[0], "20260929|") {
		t.Errorf("fchart during the session = %v, want today's bar", items)
	}
}

// Halts, listing and delisting as Naver serves them.
func TestNaverHaltsAndListings(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded), Symbols: []Symbol{
		{Symbol: "005930", Halts: []market.Date{d(2026, 9, 22)}},
		{Symbol: "111110", Listed: d(2026, 9, 23)},
		{Symbol: "222220", Delisted: d(2026, 9, 22)},
	}, Unknown: []string{"999999"}})
	_, body := get(t, m, "/siseJson.naver?symbol=005930&requestType=1&startTime=20260922&endTime=20260923&timeframe=day")
	rows := siseRows(t, body)
	if len(rows) != 3 || rows[1][0] != "20260922" || rows[1][1] != 0.0 || rows[1][2] != 0.0 || rows[1][3] != 0.0 || rows[1][5] != 0.0 {
		t.Errorf("halted row = %v, want o|h|l = 0 and v = 0", rows[1])
	}
	truth := m.Bars(market.SourceNaver, "005930", d(2026, 9, 21), d(2026, 9, 22))
	if !truth[1].Halted || truth[1].Open.Valid || truth[1].Close != truth[0].Close || truth[1].Volume != market.Some[int64](0) {
		t.Errorf("halted truth = %+v after %+v", truth[1], truth[0])
	}
	if got := m.Bars(market.SourceNaver, "111110", d(2026, 9, 1), d(2026, 9, 30)); len(got) != 3 || got[0].Date != d(2026, 9, 23) {
		t.Errorf("listed 09-23: %d bars", len(got))
	}
	if got := m.Bars(market.SourceNaver, "222220", d(2026, 9, 1), d(2026, 9, 30)); len(got) != 16 || got[len(got)-1].Date != d(2026, 9, 22) {
		t.Errorf("delisted 09-22: %d bars", len(got))
	}
	_, body = get(t, m, "/sise.nhn?symbol=999999&timeframe=day&count=5&requestType=0")
	if string(body) != fchartEmpty {
		t.Errorf("unknown code on fchart = %q", body)
	}
	_, body = get(t, m, "/api/realtime/domestic/stock/005930,999999,222220,111110")
	var poll pollingBody
	if err := json.Unmarshal(body, &poll); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, p := range poll.Datas {
		codes = append(codes, p.ItemCode)
	}
	if !slices.Equal(codes, []string{"005930", "111110"}) {
		t.Errorf("polling codes = %v, want the known, listed ones", codes)
	}
	last := m.Bars(market.SourceNaver, "005930", d(2026, 9, 29), d(2026, 9, 29))[0]
	if p := poll.Datas[0]; p.ClosePriceRaw != last.Close.String() || p.OpenPriceRaw != last.Open.V.String() ||
		p.AccumulatedTradingVolumeRaw != strings.ReplaceAll(p.AccumulatedTradingVolume, ",", "") ||
		p.AccumulatedTradingVolumeRaw == p.IntegratedPriceInfo.AccumulatedTradingVolumeRaw {
		t.Errorf("polling %+v does not carry KRX's bar %+v apart from the integrated one", p, last)
	}
}

func TestListingPages(t *testing.T) {
	var syms []Symbol
	for _, c := range []string{"100010", "100020", "100030", "100040", "100050", "200010.KQ"} {
		syms = append(syms, Symbol{Symbol: c})
	}
	m := New(Options{Now: fixedNow(recorded), Symbols: syms})
	var all []string
	for page := 1; page <= 3; page++ {
		_, body := get(t, m, "/api/stocks/marketValue/KOSPI?page="+string(rune('0'+page))+"&pageSize=2")
		var l listingBody
		if err := json.Unmarshal(body, &l); err != nil {
			t.Fatal(err)
		}
		if l.TotalCount != 5 || l.Page != page || l.PageSize != 2 || len(l.Stocks) != min(2, 5-2*(page-1)) {
			t.Fatalf("page %d: %+v", page, l)
		}
		for _, s := range l.Stocks {
			all = append(all, s.ItemCode)
		}
	}
	slices.Sort(all)
	if !slices.Equal(all, []string{"100010", "100020", "100030", "100040", "100050"}) {
		t.Errorf("KOSPI listing = %v", all)
	}
}
