package sourcetest

import (
	"net/http/httptest"
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
