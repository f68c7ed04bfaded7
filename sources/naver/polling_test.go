package naver

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

func key(code string) market.Key { return market.Key{Source: market.SourceNaver, Symbol: code} }

func TestLatestFixture(t *testing.T) {
	h := &serveBody{contentType: "application/json;charset=UTF-8", body: fixture(t, fixPolling)}
	src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 20, 28, 4), 0)
	got, err := src.Latest(context.Background(), []market.Instrument{inst("005930"), inst("000660")})
	if err != nil {
		t.Fatal(err)
	}
	// KRX figures only: not integratedPriceInfo (open 265,500, volume
	// 24,668,889) nor overMarketPriceInfo (Nextrade, overPrice 274,500).
	want := map[market.Key]market.Series{key("005930"): {
		Key: key("005930"), Currency: "KRW",
		Bars: []market.Bar{ohlcv(20260929, 266000, 276000, 266000, 275000, 15653425)},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v (000660 is absent from the answer, so from the map)", got, want)
	}
	reqs := h.requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/realtime/domestic/stock/005930,000660" {
		t.Errorf("requests %v", reqs)
	}
}

func TestLatestEmptyAnswer(t *testing.T) {
	h := &serveBody{contentType: "application/json", body: fixture(t, fixEmpty)}
	src, _ := newTestSource(t, h, kst(t, 2026, 8, 20, 12, 12, 8), 0)
	got, err := src.Latest(context.Background(), []market.Instrument{inst("999999")})
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("got %v, %v; want an empty map and no error", got, err)
	}
}

// pollingItemJSON builds one datas entry. raw fields are written as given
// (a JSON string or number); an empty raw omits the *Raw fields.
func pollingItemJSON(code, tradedAt, open, high, low, closing, volume, raw string) string {
	s := `{"itemCode":"` + code + `","stockName":"이름","localTradedAt":"` + tradedAt + `",` +
		`"openPrice":"` + open + `","highPrice":"` + high + `","lowPrice":"` + low + `","closePrice":"` + closing + `",` +
		`"accumulatedTradingVolume":"` + volume + `",` +
		`"overMarketPriceInfo":{"overPrice":"1","openPrice":"1","highPrice":"1","lowPrice":"1","accumulatedTradingVolume":"1"},` +
		`"integratedPriceInfo":{"openPrice":"2","highPrice":"2","lowPrice":"2","accumulatedTradingVolume":"2"}`
	if raw != "" {
		s += `,"closePriceRaw":` + raw
	}
	return s + `}`
}

func TestLatestConstructed(t *testing.T) {
	now := kst(t, 2026, 10, 6, 18, 0, 0)
	tests := []struct {
		name  string
		items []string
		codes []string
		want  map[market.Key]market.Series
	}{{
		name:  "raw as a number, letters in the code",
		items: []string{pollingItemJSON("0193T0", "2026-10-06T18:00:00+09:00", "10,050", "10,100", "9,950", "10,000", "1,234", "10000")},
		codes: []string{"0193T0"},
		want: map[market.Key]market.Series{key("0193T0"): {Key: key("0193T0"), Currency: "KRW",
			Bars: []market.Bar{ohlcv(20261006, 10050, 10100, 9950, 10000, 1234)}}},
	}, {
		name:  "raw as a string wins over the display string",
		items: []string{pollingItemJSON("005930", "2026-10-06T18:00:00+09:00", "1", "3", "1", "999", "7", `"2"`)},
		codes: []string{"005930"},
		want: map[market.Key]market.Series{key("005930"): {Key: key("005930"), Currency: "KRW",
			Bars: []market.Bar{ohlcv(20261006, 1, 3, 1, 2, 7)}}},
	}, {
		name:  "halted",
		items: []string{pollingItemJSON("005930", "2026-10-06T09:00:00.000+09:00", "0", "0", "0", "271,000", "0", "")},
		codes: []string{"005930"},
		want: map[market.Key]market.Series{key("005930"): {Key: key("005930"), Currency: "KRW",
			Bars:  []market.Bar{halted(20261006, 271000)},
			Notes: []market.Note{{Date: 20261006, Reason: "naver: trading halted (open, high, low 0 and volume 0); close carried over, open/high/low recorded as missing"}}}},
	}, {
		name:  "date from localTradedAt in Seoul, not UTC",
		items: []string{pollingItemJSON("005930", "2026-10-05T16:00:00Z", "1", "1", "1", "1", "1", "")},
		codes: []string{"005930"},
		want: map[market.Key]market.Series{key("005930"): {Key: key("005930"), Currency: "KRW",
			Bars: []market.Bar{ohlcv(20261006, 1, 1, 1, 1, 1)}}},
	}, {
		name: "malformed items are left out; unrequested codes ignored",
		items: []string{
			pollingItemJSON("005930", "not a time", "1", "1", "1", "1", "1", ""),
			pollingItemJSON("000660", "2026-10-06T18:00:00+09:00", "1", "1", "1", "x", "1", ""),
			`{"itemCode":7}`,
			pollingItemJSON("035420", "2026-10-06T18:00:00+09:00", "1", "1", "1", "1", "1", ""),
			pollingItemJSON("373220", "2026-10-06T18:00:00+09:00", "5", "5", "5", "5", "5", ""),
		},
		codes: []string{"005930", "000660", "373220"},
		want: map[market.Key]market.Series{key("373220"): {Key: key("373220"), Currency: "KRW",
			Bars: []market.Bar{ohlcv(20261006, 5, 5, 5, 5, 5)}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &serveBody{body: []byte(`{"pollingInterval":70000,"datas":[` + strings.Join(tt.items, ",") + `],"time":"20261006180000"}`)}
			src, _ := newTestSource(t, h, now, 0)
			var insts []market.Instrument
			for _, c := range tt.codes {
				insts = append(insts, inst(c))
			}
			got, err := src.Latest(context.Background(), insts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// During the session the polling bar is today's, still trading: the code is
// answered but its Series holds no bar.
func TestLatestDropsOpenSession(t *testing.T) {
	h := &serveBody{body: []byte(`{"datas":[` + pollingItemJSON("005930", "2026-10-06T13:11:21+09:00", "1", "1", "1", "1", "1", "") + `]}`)}
	src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 13, 11, 30), 0)
	got, err := src.Latest(context.Background(), []market.Instrument{inst("005930")})
	if err != nil {
		t.Fatal(err)
	}
	s, ok := got[key("005930")]
	if !ok || len(s.Bars) != 0 {
		t.Errorf("got %+v, want 005930 present without bars", got)
	}
}

func TestLatestBatches(t *testing.T) {
	codes := []string{"000001", "000002", "000003", "000004", "000005", "000003"}
	var (
		mu    sync.Mutex
		paths []string
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		var items []string
		for _, c := range strings.Split(strings.TrimPrefix(r.URL.Path, "/api/realtime/domestic/stock/"), ",") {
			items = append(items, pollingItemJSON(c, "2026-10-06T18:00:00+09:00", "1", "1", "1", "1", "1", ""))
		}
		w.Write([]byte(`{"datas":[` + strings.Join(items, ",") + `]}`))
	})
	src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 18, 0, 0), 2)
	var insts []market.Instrument
	for _, c := range codes {
		insts = append(insts, inst(c))
	}
	got, err := src.Latest(context.Background(), insts)
	if err != nil {
		t.Fatal(err)
	}
	wantPaths := []string{
		"/api/realtime/domestic/stock/000001,000002",
		"/api/realtime/domestic/stock/000003,000004",
		"/api/realtime/domestic/stock/000005",
	}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("paths %v, want %v", paths, wantPaths)
	}
	if len(got) != 5 {
		t.Errorf("%d series, want 5", len(got))
	}
}

// A batch whose body is not the feed's envelope fails that batch only.
func TestLatestMalformedBatch(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "000001") {
			w.Write([]byte(`<html>error</html>`))
			return
		}
		w.Write([]byte(`{"datas":[` + pollingItemJSON("000002", "2026-10-06T18:00:00+09:00", "1", "1", "1", "1", "1", "") + `]}`))
	})
	src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 18, 0, 0), 1)
	got, err := src.Latest(context.Background(), []market.Instrument{inst("000001"), inst("000002")})
	var perr *ParseError
	if !errors.As(err, &perr) || perr.Endpoint != "polling" || perr.Symbol != "000001" {
		t.Fatalf("err = %v, want a polling ParseError for batch 000001", err)
	}
	if _, ok := got[key("000002")]; !ok || len(got) != 1 {
		t.Errorf("map %v, want the other batch's 000002", got)
	}
}

func TestParsePollingMalformed(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"pollingInterval":70000}`, `{"datas":{}}`, `{"datas":[`} {
		_, err := parsePolling("005930", []byte(body), seoul(t))
		var perr *ParseError
		if !errors.As(err, &perr) {
			t.Errorf("%q: err = %v, want ParseError", body, err)
		}
	}
}
