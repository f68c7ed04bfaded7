package naver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

func listingJSON(total int, entries ...[3]string) string {
	var items []string
	for _, e := range entries {
		items = append(items, fmt.Sprintf(`{"stockType":"domestic","stockEndType":%q,"itemCode":%q,"stockName":%q,"closePrice":"1,000","closePriceRaw":"1000"}`, e[2], e[0], e[1]))
	}
	return fmt.Sprintf(`{"stockListSortType":"MARKET_VALUE","stockListCategoryType":"KOSPI","stocks":[%s],"totalCount":%d,"page":1,"pageSize":6}`, strings.Join(items, ","), total)
}

// pages serves page N of the listing from bodies[N-1] (an empty list past the end).
type pages struct {
	mu      sync.Mutex
	bodies  []string
	queries []url.Values
	paths   []string
}

func (p *pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries = append(p.queries, r.URL.Query())
	p.paths = append(p.paths, r.URL.Path)
	var n int
	fmt.Sscan(r.URL.Query().Get("page"), &n)
	if n < 1 || n > len(p.bodies) {
		w.Write([]byte(`{"stocks":[],"totalCount":17}`))
		return
	}
	w.Write([]byte(p.bodies[n-1]))
}

func TestListingPaged(t *testing.T) {
	h := &pages{bodies: []string{
		string(fixture(t, fixListing)),
		listingJSON(17, [3]string{"373220", "LG에너지솔루션", "stock"}, [3]string{"207940", "삼성바이오로직스", "stock"}, [3]string{"0193T0", "신규상장", "stock"},
			[3]string{"069500", "KODEX 200", "etf"}, [3]string{"530036", "삼성 인버스 2X WTI원유 선물 ETN", "etn"}, [3]string{"005490", "POSCO홀딩스", "stock"}),
		listingJSON(17, [3]string{"035420", "NAVER", "stock"}, [3]string{"000270", "기아", "stock"}, [3]string{"068270", "셀트리온", "stock"},
			[3]string{"012330", "현대모비스", "stock"}, [3]string{"028260", "삼성물산", "stock"}),
	}}
	src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 16, 0, 0), 0)
	got, err := src.Listing(context.Background(), "kospi")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 16 {
		t.Fatalf("%d instruments, want 16 (17 listed, one ETN left out)", len(got))
	}
	want0 := market.Instrument{Key: key("005930"), Market: "XKRX", Board: "KOSPI", Currency: "KRW", Name: "삼성전자", Active: true}
	if got[0] != want0 {
		t.Errorf("first %+v, want %+v", got[0], want0)
	}
	var codes, names []string
	for _, in := range got {
		codes = append(codes, in.Symbol)
		names = append(names, in.Name)
	}
	wantCodes := []string{"005930", "000660", "005935", "005380", "105560", "055550", "373220", "207940", "0193T0", "069500", "005490", "035420", "000270", "068270", "012330", "028260"}
	if !reflect.DeepEqual(codes, wantCodes) {
		t.Errorf("codes %v\nwant  %v", codes, wantCodes)
	}
	if names[1] != "SK하이닉스" || names[2] != "삼성전자우" || names[5] != "신한지주" {
		t.Errorf("names %v", names)
	}
	if len(h.queries) != 3 {
		t.Errorf("%d requests, want 3", len(h.queries))
	}
	for i, q := range h.queries {
		if h.paths[i] != "/api/stocks/marketValue/KOSPI" || q.Get("page") != fmt.Sprint(i+1) || q.Get("pageSize") != "100" {
			t.Errorf("request %d: %s?%s", i, h.paths[i], q.Encode())
		}
	}
}

func TestListingIncomplete(t *testing.T) {
	page := string(fixture(t, fixListing))
	for name, bodies := range map[string][]string{
		"feed ignores the page number": {page, page, page, page, page, page},
		"runs out early":               {page},
		"duplicates across pages": {page, listingJSON(17, [3]string{"005930", "삼성전자", "stock"}, [3]string{"000660", "SK하이닉스", "stock"},
			[3]string{"111111", "a", "stock"}, [3]string{"222222", "b", "stock"}, [3]string{"333333", "c", "stock"}, [3]string{"444444", "d", "stock"}),
			listingJSON(17, [3]string{"555555", "e", "stock"}, [3]string{"666666", "f", "stock"}, [3]string{"777777", "g", "stock"},
				[3]string{"888888", "h", "stock"}, [3]string{"999999", "i", "stock"})},
	} {
		t.Run(name, func(t *testing.T) {
			h := &pages{bodies: bodies}
			src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 16, 0, 0), 0)
			_, err := src.Listing(context.Background(), "KOSPI")
			if err == nil || !strings.Contains(err.Error(), "incomplete listing") || !strings.Contains(err.Error(), "KOSPI") {
				t.Errorf("err = %v, want an incomplete-listing error naming KOSPI", err)
			}
		})
	}
}

func TestListingMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `<html>`,
		"no stocks":      `{"totalCount":3}`,
		"no total":       `{"stocks":[]}`,
		"numeric code":   `{"stocks":[{"itemCode":5930,"stockName":"x","stockEndType":"stock"}],"totalCount":1}`,
		"short code":     `{"stocks":[{"itemCode":"5930","stockName":"x","stockEndType":"stock"}],"totalCount":1}`,
		"negative total": `{"stocks":[],"totalCount":-1}`,
	} {
		t.Run(name, func(t *testing.T) {
			src, _ := newTestSource(t, &pages{bodies: []string{body}}, kst(t, 2026, 10, 6, 16, 0, 0), 0)
			_, err := src.Listing(context.Background(), "KOSDAQ")
			var perr *ParseError
			if !errors.As(err, &perr) || perr.Endpoint != "listing" || perr.Symbol != "KOSDAQ" {
				t.Errorf("err = %v, want a listing ParseError for KOSDAQ", err)
			}
		})
	}
}
