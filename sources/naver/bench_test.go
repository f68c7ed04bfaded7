package naver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

// syntheticNaver answers siseJson and polling requests for any code with
// valid synthetic bodies and counts the requests it receives. It is kept
// deliberately small: the full simulated market is sources/sourcetest.
type syntheticNaver struct {
	requests atomic.Int64

	mu    sync.Mutex
	sise  map[string][]byte // by startTime-endTime: the body names no code
	today market.Date
}

func (s *syntheticNaver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	switch {
	case r.URL.Path == "/siseJson.naver":
		q := r.URL.Query()
		w.Write(s.siseJSON(q.Get("startTime"), q.Get("endTime")))
	case strings.HasPrefix(r.URL.Path, "/api/realtime/domestic/stock/"):
		var b strings.Builder
		b.WriteString(`{"pollingInterval":70000,"datas":[`)
		for i, code := range strings.Split(strings.TrimPrefix(r.URL.Path, "/api/realtime/domestic/stock/"), ",") {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"itemCode":%q,"closePrice":"10,100","openPrice":"10,000","highPrice":"10,200","lowPrice":"9,900",`+
				`"accumulatedTradingVolume":"1,234","closePriceRaw":"10100","accumulatedTradingVolumeRaw":1234,`+
				`"localTradedAt":"%sT20:00:00+09:00"}`, code, s.today)
		}
		b.WriteString(`],"time":"20261006200000"}`)
		w.Write([]byte(b.String()))
	default:
		http.NotFound(w, r)
	}
}

// siseJSON returns a literal with one row per weekday from start to end.
func (s *syntheticNaver) siseJSON(start, end string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.sise[start+"-"+end]; ok {
		return b
	}
	from, err1 := market.ParseCompactDate(start)
	to, err2 := market.ParseCompactDate(end)
	if err1 != nil || err2 != nil {
		return []byte("bad request")
	}
	var b strings.Builder
	b.WriteString("\n [['날짜', '시가', '고가', '저가', '종가', '거래량', '외국인소진율'],\n")
	for d := from; d <= to; d = d.AddDays(1) {
		if wd := d.Weekday(); wd == 0 || wd == 6 {
			continue
		}
		fmt.Fprintf(&b, "\t\t\n[\"%s\", 10000, 10200, 9900, 10100, 1234, 46.5],\n", d.Compact())
	}
	b.WriteString("\n]\n")
	s.sise[start+"-"+end] = []byte(b.String())
	return s.sise[start+"-"+end]
}

const benchCodes = 2500

func benchInstruments() []market.Instrument {
	insts := make([]market.Instrument, benchCodes)
	for i := range insts {
		insts[i] = inst(fmt.Sprintf("%06d", 100000+i))
	}
	return insts
}

// BenchmarkRequests reports the requests each bulk job costs (the targets:
// a 10-year backfill in at most one request per code, a session for a
// whole market in ceil(codes / PollingBatch)).
func BenchmarkRequests(b *testing.B) {
	now := kst(b, 2026, 10, 6, 20, 30, 0)
	insts := benchInstruments()

	b.Run("backfill_2500_codes_10_years", func(b *testing.B) {
		srv := &syntheticNaver{sise: map[string][]byte{}, today: 20261006}
		src, _ := newTestSource(b, srv, now, 0)
		ctx := context.Background()
		bars := 0
		for b.Loop() {
			for _, in := range insts {
				s, err := src.Fetch(ctx, in, 20161006, 20261005)
				if err != nil {
					b.Fatal(err)
				}
				bars += len(s.Bars)
			}
		}
		n := float64(b.N)
		b.ReportMetric(float64(srv.requests.Load())/n, "requests/op")
		b.ReportMetric(float64(srv.requests.Load())/n/benchCodes, "requests/code")
		b.ReportMetric(float64(bars)/n/benchCodes, "bars/code")
	})

	b.Run("session_2500_codes_polling", func(b *testing.B) {
		srv := &syntheticNaver{sise: map[string][]byte{}, today: 20261006}
		src, _ := newTestSource(b, srv, now, 0)
		ctx := context.Background()
		got := 0
		for b.Loop() {
			m, err := src.Latest(ctx, insts)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range m {
				got += len(s.Bars)
			}
		}
		n := float64(b.N)
		if got != b.N*benchCodes {
			b.Fatalf("%d bars over %d runs, want %d per run", got, b.N, benchCodes)
		}
		b.ReportMetric(float64(srv.requests.Load())/n, "requests/op")
		b.ReportMetric(float64(src.cfg.PollingBatch), "codes/request")
	})
}
