package sourcetest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// Each kind of symbol is served with the chart meta Yahoo gives such
// symbols and a history that follows its market's calendar, dated in the
// market's zone: a Tokyo stock skips Sports Day, a crypto pair trades on
// weekends (UTC dates), a currency pair every weekday, Christmas and New
// Year's Day included (London dates).
func TestKindsFollowTheirCalendars(t *testing.T) {
	now := time.Date(2027, 1, 8, 23, 0, 0, 0, time.UTC)
	m := New(Options{Now: fixedNow(now)})
	for _, tt := range []struct {
		symbol, meta string
		mic          string
		from, to     market.Date
		sessions     int
		priceDigits  int // most digits after the point in a served price
	}{
		{"7203.T", "JPX Tokyo EQUITY JPY Asia/Tokyo 2 Toyota Motor Corporation", "XTKS", d(2026, 10, 1), d(2026, 10, 31), 21, 0},
		{"BTC-USD", "CCC CCC CRYPTOCURRENCY USD UTC 2 Bitcoin USD", market.CRYPTO, d(2026, 10, 1), d(2026, 10, 31), 31, 2},
		{"EURUSD=X", "CCY CCY CURRENCY USD Europe/London 4 EUR/USD", market.FX, d(2026, 12, 21), d(2027, 1, 8), 15, 4},
		{"SAP.DE", "GER XETRA EQUITY EUR Europe/Berlin 2 SAP SE", "XETR", d(2026, 12, 21), d(2027, 1, 8), 11, 2},
		{"^N225", "OSA Osaka INDEX JPY Asia/Tokyo 2 Nikkei 225", "XTKS", d(2026, 12, 21), d(2027, 1, 8), 13, 2},
		{"^GSPC", "SNP SNP INDEX USD America/New_York 2 S&P 500", market.XNYS, d(2026, 12, 21), d(2027, 1, 8), 13, 2},
	} {
		t.Run(tt.symbol, func(t *testing.T) {
			cal, err := calendar.For(tt.mic)
			if err != nil {
				t.Fatal(err)
			}
			want := cal.Sessions(tt.from, tt.to)
			if len(want) != tt.sessions {
				t.Fatalf("%s has %d sessions %s..%s, the test assumes %d", tt.mic, len(want), tt.from, tt.to, tt.sessions)
			}
			loc := cal.Market().Location
			p1, p2 := tt.from.In(loc).Unix(), tt.to.AddDays(1).In(loc).Unix()
			_, body := get(t, m, fmt.Sprintf("/v8/finance/chart/%s?period1=%d&period2=%d&interval=1d", url.PathEscape(tt.symbol), p1, p2))
			var doc struct {
				Chart struct {
					Result []struct {
						Meta struct {
							ExchangeName, FullExchangeName, InstrumentType, Currency, ExchangeTimezoneName, LongName string
							PriceHint                                                                                int
						} `json:"meta"`
						Timestamp  []int64 `json:"timestamp"`
						Indicators struct {
							Quote []struct{ Close []json.Number } `json:"quote"`
						} `json:"indicators"`
					} `json:"result"`
				} `json:"chart"`
			}
			if err := json.Unmarshal(body, &doc); err != nil || len(doc.Chart.Result) != 1 {
				t.Fatalf("chart: %v in %.300s", err, body)
			}
			r := doc.Chart.Result[0]
			mt := r.Meta
			if got := fmt.Sprint(mt.ExchangeName, " ", mt.FullExchangeName, " ", mt.InstrumentType, " ", mt.Currency, " ",
				mt.ExchangeTimezoneName, " ", mt.PriceHint, " ", mt.LongName); got != tt.meta {
				t.Errorf("meta %q, want %q", got, tt.meta)
			}
			var got []market.Date
			for _, ts := range r.Timestamp {
				got = append(got, market.DateOf(time.Unix(ts, 0).In(loc)))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("dates\n got %v\nwant %v", got, want)
			}
			digits := 0
			for _, c := range r.Indicators.Quote[0].Close {
				if _, frac, ok := strings.Cut(c.String(), "."); ok && frac != "0" {
					digits = max(digits, len(strings.TrimRight(frac, "0")))
				}
			}
			// Served as float32 widened, like Yahoo: more digits than the
			// price has, but not fewer when it has them.
			if tt.priceDigits == 0 && digits != 0 || tt.priceDigits > 0 && digits < tt.priceDigits {
				t.Errorf("closes carry %d decimals, want %d: %v", digits, tt.priceDigits, r.Indicators.Quote[0].Close)
			}
		})
	}
}

// The symbols the simulator cannot place are unknown to it, as to Yahoo.
func TestKindsUnknown(t *testing.T) {
	for _, sym := range []string{"7203.XX", "EURUSD=Y", "E=X", "lower.T"} {
		if _, ok := yahooKind(sym); ok {
			t.Errorf("yahooKind(%q) ok, want unknown", sym)
		}
	}
	if err := (Options{Symbols: []Symbol{{Symbol: "7203.XX"}}}).Validate(); err == nil || !strings.Contains(err.Error(), `symbol "7203.XX": want a US ticker`) {
		t.Errorf("Validate(7203.XX) = %v", err)
	}
}
