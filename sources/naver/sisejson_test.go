package naver

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

var siseJSONFixtureBars = []market.Bar{
	ohlcv(20260921, 264000, 275000, 263500, 275000, 22261519),
	ohlcv(20260922, 283000, 283500, 271500, 277500, 18157410),
	ohlcv(20260923, 284500, 286500, 281000, 286500, 20864376),
	ohlcv(20260928, 284500, 285500, 268500, 270000, 21346064),
	ohlcv(20260929, 266000, 276000, 266000, 273500, 15498961),
}

func TestFetchSiseJSONFixture(t *testing.T) {
	h := &serveBody{contentType: "text/plain;charset=UTF-8", body: fixture(t, fixSiseJSON)}
	src, _ := newTestSource(t, h, kst(t, 2026, 10, 20, 9, 0, 0), 0)
	got, err := src.Fetch(context.Background(), inst("005930"), 20260920, 20260929)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Bars, siseJSONFixtureBars) {
		t.Errorf("bars\n got %+v\nwant %+v", got.Bars, siseJSONFixtureBars)
	}
	if got.Key != (market.Key{Source: "naver", Symbol: "005930"}) || got.Currency != "KRW" || len(got.Notes) != 0 {
		t.Errorf("series %+v", got)
	}
	reqs := h.requests()
	want := url.Values{"symbol": {"005930"}, "requestType": {"1"}, "startTime": {"20260920"}, "endTime": {"20260929"}, "timeframe": {"day"}}
	if len(reqs) != 1 || reqs[0].Path != "/siseJson.naver" || !reflect.DeepEqual(reqs[0].Query(), want) {
		t.Errorf("requests %v, want one /siseJson.naver?%s", reqs, want.Encode())
	}
}

func TestFetchChoosesEndpoint(t *testing.T) {
	now := kst(t, 2026, 9, 29, 19, 34, 0)
	tests := []struct {
		name      string
		from, to  market.Date
		wantPath  string
		wantCount string
		want      []market.Bar
	}{
		{"short window ending today: chart feed", 20260923, 20260929, "/sise.nhn", "7", fixtureBars},
		{"window of 14 days before today: chart feed", 20260915, 20260929, "/sise.nhn", "15", fixtureBars},
		{"window of 15 days: siseJson", 20260914, 20260929, "/siseJson.naver", "", siseJSONFixtureBars},
		{"window ending before today: siseJson", 20260920, 20260928, "/siseJson.naver", "", siseJSONFixtureBars[:4]},
		{"chart feed window is filtered to the range", 20260928, 20260929, "/sise.nhn", "2", fixtureBars[1:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := routes{
				"/sise.nhn":       {contentType: "text/xml", body: fixture(t, fixFChart)},
				"/siseJson.naver": {contentType: "text/plain", body: fixture(t, fixSiseJSON)},
			}
			src, _ := newTestSource(t, h, now, 0)
			got, err := src.Fetch(context.Background(), inst("005930"), tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Bars, tt.want) {
				t.Errorf("bars\n got %+v\nwant %+v", got.Bars, tt.want)
			}
			reqs := h.requests()
			if len(reqs) != 1 || reqs[0].Path != tt.wantPath || reqs[0].Query().Get("count") != tt.wantCount {
				t.Errorf("requests %v, want one to %s count %q", reqs, tt.wantPath, tt.wantCount)
			}
		})
	}
}

func TestFetchEmptyWindow(t *testing.T) {
	h := &serveBody{body: []byte("\n [['날짜', '시가', '고가', '저가', '종가', '거래량', '외국인소진율'],\n\n]\n")}
	src, _ := newTestSource(t, h, kst(t, 2026, 10, 20, 9, 0, 0), 0)
	_, err := src.Fetch(context.Background(), inst("005930"), 20260924, 20260925)
	if !errors.Is(err, market.ErrNoData) || !strings.Contains(err.Error(), "005930") {
		t.Errorf("err = %v, want ErrNoData naming 005930", err)
	}
}

func TestParseSiseJSONTolerant(t *testing.T) {
	const header = "['날짜', '시가', '고가', '저가', '종가', '거래량', '외국인소진율']"
	two := []market.Bar{ohlcv(20260921, 264000, 275000, 263500, 275000, 22261519), ohlcv(20260922, 283000, 283500, 271500, 277500, 18157410)}
	tests := []struct {
		name string
		body string
		want []market.Bar
	}{
		{"no trailing comma, one line", `[` + header + `,["20260921",264000,275000,263500,275000,22261519,46.56],["20260922",283000,283500,271500,277500,18157410,46.55]]`, two},
		{"trailing commas everywhere", "[\n" + header + ",\n[\"20260921\", 264000, 275000, 263500, 275000, 22261519, 46.56,],\r\n[\"20260922\", 283000, 283500, 271500, 277500, 18157410, 46.55,],\n]\n", two},
		{"quoted numbers with commas and spaces", "[" + header + ",['20260921', '264,000', \"275,000\", ' 263500 ', \"275000\", '22,261,519', '46.56'],[\"20260922\",\"283,000\",\"283,500\",\"271,500\",\"277,500\",\"18,157,410\",\"46.55\"]];", two},
		{"whitespace inside cells and tabs", "\t[ " + header + " ,\n\t\t[ \" 20260921 \" ,\t264000 , 275000 , 263500 , 275000 , 22261519 , 46.56 ] ,\n\t\t[\"20260922\"\n,283000\n,283500,271500,277500,18157410,46.55]\n\t]\n", two},
		{"no header", `[["20260921",264000,275000,263500,275000,22261519,46.56],["20260922",283000,283500,271500,277500,18157410,46.55]]`, two},
		{"double-quoted header, columns reordered", `[["날짜","종가","시가","고가","저가","거래량"],["20260921",275000,264000,275000,263500,22261519]]`, two[:1]},
		{"out of order and duplicated", `[` + header + `,["20260922",1,1,1,1,1,0],["20260921",264000,275000,263500,275000,22261519,46.56],["20260922",283000,283500,271500,277500,18157410,46.55]]`, two},
		{"halted day", `[` + header + `,["20260921",0,0,0,275000,0,46.56]]`, []market.Bar{halted(20260921, 275000)}},
		{"byte order mark", "\ufeff[" + header + `,["20260921",264000,275000,263500,275000,22261519,46.56]]`, two[:1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseSiseJSON("005930", []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			got := series("005930", rows, clock{today: 20261231, closed: true})
			if !reflect.DeepEqual(got.Bars, tt.want) {
				t.Errorf("bars\n got %+v\nwant %+v", got.Bars, tt.want)
			}
		})
	}
}

func TestParseSiseJSONMalformed(t *testing.T) {
	const header = "['날짜', '시가', '고가', '저가', '종가', '거래량']"
	for name, body := range map[string]string{
		"empty":             "",
		"not an array":      `{"error": "bad request"}`,
		"html":              "<html>점검</html>",
		"unterminated":      `[` + header + `,["20260921",1,1,1,1,1]`,
		"unterminated str":  `[` + header + `,["20260921,1,1,1,1,1]]`,
		"short row":         `[` + header + `,["20260921",1,1,1]]`,
		"bad date":          `[` + header + `,["2026-09-21",1,1,1,1,1]]`,
		"bad number":        `[` + header + `,["20260921",1,"abc",1,1,1]]`,
		"nested":            `[` + header + `,["20260921",[1],1,1,1,1]]`,
		"garbage after":     `[` + header + `,["20260921",1,1,1,1,1]] x`,
		"missing separator": `[` + header + ` ["20260921",1,1,1,1,1]]`,
		"scalar at top":     `[1, 2]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseSiseJSON("005930", []byte(body))
			var perr *ParseError
			if !errors.As(err, &perr) || perr.Endpoint != "siseJson" || perr.Symbol != "005930" {
				t.Fatalf("err = %v, want a siseJson ParseError for 005930", err)
			}
			if httpx.IsTransient(err) || errors.Is(err, market.ErrNoData) {
				t.Errorf("permanent error expected: %v", err)
			}
		})
	}
}

func TestParseJSRowsStrings(t *testing.T) {
	got, err := parseJSRows(`[['a\'b', "", "c\\d", 'e"f', x, , ' sp ']]`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]jsCell{{{`a'b`, true}, {"", true}, {`c\d`, true}, {`e"f`, true}, {"x", false}, {"", false}, {" sp ", true}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
