package sourcetest

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// recorded is the instant the Naver fixtures were recorded: 2026-09-29
// 19:34 KST, between the close and the end of after-hours.
var recorded = time.Date(2026, 9, 29, 19, 34, 0, 0, seoul())

func seoul() *time.Location {
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		panic(err)
	}
	return loc
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// get fetches path from a market started for the test.
func get(t *testing.T, m *Market, path string) (*http.Response, []byte) {
	t.Helper()
	url, stop := m.Start()
	t.Cleanup(stop)
	resp, err := http.Get(url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp, body
}

func d(y int, mo time.Month, day int) market.Date { return market.NewDate(y, mo, day) }

func dec(t *testing.T, s string) market.Decimal {
	t.Helper()
	v, err := market.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
