package naver

import (
	"database/sql"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Fuzz targets: no input may panic a parser. Each also checks what any
// successful parse promises downstream.

func FuzzParseFChart(f *testing.F) {
	f.Add(fromEUCKR(f, fixture(f, fixFChart)))
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"EUC-KR\" ?>\n<protocol />"))
	f.Add([]byte(`<protocol><chartdata symbol="005930"><item data="20261005|0|0|0|1|0"/><item data="x|||||"/></chartdata></protocol>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		chart, err := parseFChart("005930", body)
		if err != nil {
			return
		}
		s := series("005930", chart.rows, clock{today: 99991231, closed: true})
		checkSeries(t, s)
	})
}

func FuzzParseSiseJSON(f *testing.F) {
	f.Add(fixture(f, fixSiseJSON))
	f.Add([]byte(`[['날짜'],["20260921",'1,000',2,3,4,5,],]`))
	f.Add([]byte(`[[ "20260921" , null ,, 3 , 4 , 5 ]];`))
	f.Add([]byte(`[["\'`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := parseSiseJSON("005930", body)
		if err != nil {
			return
		}
		checkSeries(t, series("005930", rows, clock{today: 99991231, closed: true}))
	})
}

func FuzzParsePolling(f *testing.F) {
	f.Add(fixture(f, fixPolling))
	f.Add(fixture(f, fixEmpty))
	f.Add([]byte(`{"datas":[{"itemCode":"0193T0","localTradedAt":"2026-10-06T18:00:00+09:00","closePriceRaw":1e3,"openPrice":null}]}`))
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := parsePolling("005930", body, loc)
		if err != nil {
			return
		}
		for code, r := range rows {
			if !market.IsKRXCode(code) {
				t.Fatalf("invalid code %q accepted", code)
			}
			checkSeries(t, series(code, []row{r}, clock{today: 99991231, closed: true}))
		}
	})
}

func FuzzParseListing(f *testing.F) {
	f.Add(fixture(f, fixListing))
	f.Add([]byte(`{"stocks":[{"itemCode":"0193T0","stockName":"삼성","stockEndType":"etf"}],"totalCount":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseListing("KOSPI", body)
		if err != nil {
			return
		}
		if p.total < 0 {
			t.Fatalf("negative total %d", p.total)
		}
		for _, e := range p.entries {
			if !market.IsKRXCode(e.code) {
				t.Fatalf("invalid code %q accepted", e.code)
			}
		}
	})
}

// checkSeries asserts the Series invariants: ascending unique dates, no
// zero or negative prices stored once the collector's sanity rule
// (market.DropBadBars) has run, halts without open/high/low.
func checkSeries(t *testing.T, s market.Series) {
	t.Helper()
	for i, b := range s.Bars {
		if i > 0 && b.Date <= s.Bars[i-1].Date {
			t.Fatalf("bars not ascending and unique: %v after %v", b.Date, s.Bars[i-1].Date)
		}
	}
	sane, _ := market.DropBadBars(s.Bars)
	for _, b := range sane {
		if b.Close <= 0 {
			t.Fatalf("%v: close %v stored", b.Date, b.Close)
		}
		for _, p := range []sql.Null[market.Decimal]{b.Open, b.High, b.Low} {
			if p.Valid && (p.V <= 0 || b.Halted) {
				t.Fatalf("%v: price %v stored (halted %v)", b.Date, p.V, b.Halted)
			}
		}
		if b.Volume.Valid && b.Volume.V < 0 {
			t.Fatalf("%v: negative volume", b.Date)
		}
	}
}

func FuzzParseQuotes(f *testing.F) {
	f.Add(fixture(f, fixPolling))
	f.Add(fixture(f, fixEmpty))
	f.Add([]byte(`{"datas":[{"itemCode":"0193T0","localTradedAt":"2026-10-06T10:00:59+09:00","closePriceRaw":1e3,"accumulatedTradingVolumeRaw":"1,000"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		quotes, err := parseQuotes("005930", body)
		if err != nil {
			return
		}
		for code, q := range quotes {
			if !market.IsKRXCode(code) || q.Price <= 0 || q.Volume < 0 || q.At.Location() != time.UTC || q.At.IsZero() {
				t.Fatalf("%s: quote %+v accepted", code, q)
			}
		}
	})
}
