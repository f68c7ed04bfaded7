package naver

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
)

// TestQuotesFixture: the recorded answer's KRX figures, stamped at its
// localTradedAt in UTC; Nextrade's are not read.
func TestQuotesFixture(t *testing.T) {
	h := &serveBody{contentType: "application/json;charset=UTF-8", body: fixture(t, fixPolling)}
	src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 20, 28, 4), 0)
	got, err := src.Quotes(context.Background(), []market.Instrument{inst("005930"), inst("000660")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[market.Key]market.Quote{key("005930"): {At: time.Date(2026, 9, 29, 11, 0, 0, 0, time.UTC), Price: krw(275000), Volume: 15653425}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v (000660 is not in the answer)", got, want)
	}
}

// TestQuotesFromSimulatedMarket: polled once a minute through a KRX
// session, each quote is the last ended minute's close and the volume so
// far, as MinuteTruth has them, for a liquid and an illiquid code.
func TestQuotesFromSimulatedMarket(t *testing.T) {
	loc := seoul(t)
	now := time.Date(2026, 11, 18, 18, 0, 0, 0, loc)
	src, sim := simSource(t, &now, httpx.Config{}, 0, sourcetest.Symbol{Symbol: "005930"}, sourcetest.Symbol{Symbol: "000660", Illiquid: true})
	truth := map[string][]market.MinuteBar{"005930": nil, "000660": nil}
	for code := range truth {
		truth[code] = sim.m.MinuteTruth(key(code), market.Interval1m, 20261118)
	}
	insts := []market.Instrument{inst("005930"), inst("000660")}
	moved := 0
	var before market.Quote
	for mi := 1; mi <= 390; mi += 37 {
		now = time.Date(2026, 11, 18, 9, mi, 2, 0, loc)
		got, err := src.Quotes(context.Background(), insts)
		if err != nil {
			t.Fatal(err)
		}
		for code, bars := range truth {
			want := market.Quote{At: time.Date(2026, 11, 18, 9, 0, 0, 0, loc).UTC()}
			for _, b := range bars {
				if b.Start.Add(time.Minute).After(now) {
					break
				}
				want.At, want.Price, want.Volume = b.Start.Add(59*time.Second), b.Close, want.Volume+b.Volume.V
			}
			if want.Price == 0 {
				continue // nothing traded yet: the previous close, checked in sourcetest
			}
			if got[key(code)] != want {
				t.Fatalf("%s at %s: %+v, want %+v", code, now.Format("15:04:05"), got[key(code)], want)
			}
		}
		if q := got[key("005930")]; q != before {
			moved++
			before = q
		}
	}
	if moved != 11 {
		t.Errorf("005930's quote moved %d times in 11 polls", moved)
	}
}

// TestQuotesBadItems: a code whose item is malformed or missing is absent
// while the others are kept; unrequested codes are ignored.
func TestQuotesBadItems(t *testing.T) {
	body := `{"datas":[` + strings.Join([]string{
		pollingItemJSON("005930", "not a time", "1", "1", "1", "1", "1", ""),
		pollingItemJSON("000660", "2026-10-06T10:00:59+09:00", "1", "1", "1", "x", "1", ""),
		pollingItemJSON("000670", "2026-10-06T10:00:59+09:00", "1", "1", "1", "5", "", ""),
		`{"itemCode":7}`,
		pollingItemJSON("035420", "2026-10-06T10:00:59+09:00", "1", "1", "1", "1", "1", ""),
		pollingItemJSON("373220", "2026-10-06T10:00:59+09:00", "5", "5", "5", "5,100", "12,345", "5100"),
	}, ",") + `]}`
	src, _ := newTestSource(t, &serveBody{body: []byte(body)}, kst(t, 2026, 10, 6, 10, 1, 2), 0)
	got, err := src.Quotes(context.Background(), []market.Instrument{inst("005930"), inst("000660"), inst("000670"), inst("373220")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[market.Key]market.Quote{key("373220"): {At: time.Date(2026, 10, 6, 1, 0, 59, 0, time.UTC), Price: krw(5100), Volume: 12345}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestQuotesFailedBatch: a batch that fails names its codes; the other
// batches' quotes are returned with the error.
func TestQuotesFailedBatch(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/000001,000002") {
			http.Error(w, "gateway", http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"datas":[` + pollingItemJSON("000003", "2026-10-06T10:00:59+09:00", "1", "1", "1", "7", "9", "") + `]}`))
	})
	src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 10, 1, 2), 2)
	got, err := src.Quotes(context.Background(), []market.Instrument{inst("000001"), inst("000002"), inst("000003")})
	if err == nil || !strings.HasPrefix(err.Error(), "naver polling 000001,000002: ") {
		t.Errorf("err = %v, want it to name the batch 000001,000002", err)
	}
	if q, ok := got[key("000003")]; !ok || len(got) != 1 || q.Price != krw(7) || q.Volume != 9 {
		t.Errorf("map %+v, want the other batch's 000003", got)
	}
}
