package sourcetest

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A chart request regenerates the symbol's history from its listing
// (2000 by default): this is the simulator's cost per Yahoo request.
func BenchmarkChart10y(b *testing.B) {
	m := New(Options{Now: fixedNow(time.Date(2026, 9, 29, 22, 0, 0, 0, time.UTC))})
	for b.Loop() {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest("GET", "/v8/finance/chart/AAPL?period1=1474934400&period2=1790000000&interval=1d&events=div,split", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkSiseJSON10y(b *testing.B) {
	m := New(Options{Now: fixedNow(recorded)})
	for b.Loop() {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest("GET", "/siseJson.naver?symbol=005930&requestType=1&startTime=20160101&endTime=20260929&timeframe=day", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// What one instrument's day of minute bars costs the simulator, and one
// minute's poll of a whole batch: the figures behind the intraday
// benchmarks that run against it.
func BenchmarkMinuteChart1d(b *testing.B) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := New(Options{Now: fixedNow(now), Symbols: []Symbol{{Symbol: "AAPL"}}})
	path := "/v8/finance/chart/AAPL?interval=1m&includePrePost=false&period1=1795478400&period2=1795564800"
	for b.Loop() {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

func BenchmarkFChartMinutes1d(b *testing.B) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, seoul())
	m := New(Options{Now: fixedNow(now), Symbols: []Symbol{{Symbol: "005930"}}})
	for b.Loop() {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest("GET", "/sise.nhn?symbol=005930&timeframe=minute&count=400&requestType=0", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkPolling50Live(b *testing.B) {
	now := time.Date(2026, 11, 25, 11, 0, 30, 0, seoul())
	var syms []Symbol
	var codes []string
	for i := range 50 {
		c := fmt.Sprintf("%06d", 100000+i)
		syms, codes = append(syms, Symbol{Symbol: c}), append(codes, c)
	}
	m := New(Options{Now: fixedNow(now), Symbols: syms})
	path := "/api/realtime/domestic/stock/" + strings.Join(codes, ",")
	for b.Loop() {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
