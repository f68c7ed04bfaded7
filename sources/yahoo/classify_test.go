package yahoo

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

// TestClassifyAndFetchRecorded: each recorded body (testdata/README.md) is
// classified from its own meta, without a market given, and its bars are
// then fetched for the classified instrument and stored exactly.
func TestClassifyAndFetchRecorded(t *testing.T) {
	key := func(sym string) market.Key { return market.Key{Source: market.SourceYahoo, Symbol: sym} }
	aaplSeries, err := decode(readFixture(t, "chart_AAPL_1d_20200831_20201107_events.json"),
		window{symbol: "AAPL", from: 20200831, to: 20201106, now: later})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file     string
		symbol   string
		want     market.Instrument
		from, to market.Date
		bars     []market.Bar // nil: check wantLike instead
		notes    []market.Note
		wantLike []market.Bar // the constructed body: the AAPL fixture's bars
	}{
		{file: "chart_^SOX_1d_range1mo_20261005.json", symbol: "^SOX",
			want: market.Instrument{Key: key("^SOX"), Market: market.XNYS, Type: market.TypeIndex, Currency: "USD",
				Name: "PHLX Semiconductor", Active: true},
			from: 20260908, to: 20261005,
			bars: []market.Bar{
				bar(t, 20260908, "11987.29", "12023.86", "11843.26", "11887.87", "11887.87", 0),
				bar(t, 20260909, "11866.5", "12016.09", "11854.22", "11931.32", "11931.32", 0),
				bar(t, 20260910, "11663", "11733.68", "11561.04", "11614.17", "11614.17", 0),
				bar(t, 20260911, "11753.87", "11910.2", "11711.33", "11824", "11824", 0),
				bar(t, 20260914, "11191.82", "11285.3", "11110.11", "11131.28", "11131.28", 0),
				bar(t, 20260915, "11233.04", "11304.24", "11128.88", "11175.55", "11175.55", 0),
				bar(t, 20260916, "11347.68", "11413.46", "11132.26", "11246.11", "11246.11", 0),
				bar(t, 20260917, "11568.47", "11643.88", "11533.95", "11599.49", "11599.49", 0),
				bar(t, 20260918, "11691", "11922.95", "11686.09", "11921.69", "11921.69", 0),
				bar(t, 20260921, "12145.92", "12491.61", "12059.3", "12433.17", "12433.17", 0),
				bar(t, 20260922, "12338.88", "12708.34", "12338.52", "12689.82", "12689.82", 0),
				bar(t, 20260923, "12659.08", "12660.91", "12371.37", "12534.28", "12534.28", 0),
				bar(t, 20260924, "12309.09", "12517.92", "12258.39", "12492.54", "12492.54", 0),
				bar(t, 20260925, "12565.84", "12732.78", "12549.59", "12668.93", "12668.93", 0),
				bar(t, 20260928, "12595.14", "12665.4", "12277.41", "12465.24", "12465.24", 0),
				bar(t, 20260929, "12667.37", "12773.89", "12588.86", "12629.16", "12629.16", 0),
				bar(t, 20260930, "12665.67", "12731.1", "12555.65", "12628.62", "12628.62", 0),
				bar(t, 20261001, "12651.56", "12913.4", "12587.34", "12829", "12829", 0),
				bar(t, 20261002, "13130.76", "13269.33", "13082.01", "13136.67", "13136.67", 0),
				bar(t, 20261005, "13148.84", "13152.67", "13004.67", "13128.23", "13128.23", 0),
			}},
		{file: "chart_KOSPI-25.KS_1d_20261005.json", symbol: "KOSPI-25.KS",
			want: market.Instrument{Key: key("KOSPI-25.KS"), Market: market.XKRX, Board: market.BoardKOSPI, Type: market.TypeIndex,
				Currency: "KRW", Name: "KOSPI Financial Companies - Ins", Active: true},
			from: 20261001, to: 20261005,
			// The index keeps its decimals (46539.140625 at priceHint 2),
			// and Yahoo's 0 open, high and low are missing, not trades at 0.
			bars:  []market.Bar{bar(t, 20261002, "", "", "", "46539.14", "46539.14", 0)},
			notes: []market.Note{{Date: 20261002, Reason: "open, high, low 0 beside a close; kept as missing"}}},
		{file: "chart_600497.SS_1d_20171115_20171127.json", symbol: "600497.SS",
			want: market.Instrument{Key: key("600497.SS"), Market: "XSHG", Type: market.TypeEquity, Currency: "CNY", Active: true},
			from: 20171115, to: 20171127,
			bars: []market.Bar{
				bar(t, 20171116, "6.65", "6.68", "6.49", "6.51", "6.51", 34039227),
				bar(t, 20171117, "6.47", "6.54", "6.1", "6.2", "6.2", 53016969),
				bar(t, 20171120, "6.2", "6.26", "6.03", "6.24", "6.24", 28656684),
				bar(t, 20171121, "6.21", "6.26", "6.12", "6.18", "6.18", 39235021),
				bar(t, 20171122, "6.27", "6.28", "6.17", "6.27", "6.27", 41324595),
				bar(t, 20171123, "6.29", "6.48", "6.23", "6.31", "6.31", 63648648),
				bar(t, 20171124, "6.25", "6.52", "6.19", "6.5", "6.5", 52108224),
				bar(t, 20171127, "6.49", "6.67", "6.45", "6.51", "6.51", 54005417),
			},
			// The leading all-null row is skipped and reported, never a 0.
			notes: []market.Note{{Date: 20171115, Skipped: true, Reason: "close is null; row skipped"}}},
		{file: "chart_WSU.DE_CONSTRUCTED.json", symbol: "WSU.DE",
			want: market.Instrument{Key: key("WSU.DE"), Market: "XETR", Type: market.TypeEquity, Currency: "EUR",
				Name: "WashTec AG", Active: true},
			from: 20200831, to: 20201106, wantLike: aaplSeries.Bars},
	}
	for _, tt := range tests {
		t.Run(tt.symbol, func(t *testing.T) {
			src, st, _ := newSource(t, 200, readFixture(t, tt.file), later)
			in, err := src.Classify(context.Background(), tt.symbol)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, tt.want) {
				t.Errorf("Classify = %+v\nwant %+v", in, tt.want)
			}
			if len(st.uris) != 1 {
				t.Fatalf("Classify sent %d requests, want 1", len(st.uris))
			}
			u, err := url.Parse(st.uris[0])
			if err != nil {
				t.Fatal(err)
			}
			if q := u.Query(); st.paths[0] != "/v8/finance/chart/"+tt.symbol || q.Get("range") != "5d" || q.Get("interval") != "1d" {
				t.Errorf("Classify asked for %s, want the chart of %s over range=5d interval=1d", st.uris[0], tt.symbol)
			}

			s, err := src.Fetch(context.Background(), in, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.bars
			if tt.wantLike != nil {
				want = tt.wantLike
			}
			if !reflect.DeepEqual(s.Bars, want) {
				t.Errorf("Bars = %+v\nwant %+v", s.Bars, want)
			}
			if !reflect.DeepEqual(s.Notes, tt.notes) {
				t.Errorf("Notes = %+v, want %+v", s.Notes, tt.notes)
			}
		})
	}
}

func TestClassifyRefusals(t *testing.T) {
	t.Run("unknown symbol", func(t *testing.T) {
		src, _, _ := newSource(t, 404, readFixture(t, "error_404_not_found.json"), later)
		_, err := src.Classify(context.Background(), "NOPE.XX")
		if !errors.Is(err, market.ErrNotFound) || !strings.HasPrefix(err.Error(), "yahoo NOPE.XX: ") {
			t.Errorf("err = %v, want ErrNotFound naming NOPE.XX", err)
		}
	})
	t.Run("unregistered exchange", func(t *testing.T) {
		meta := map[string]any{"currency": "PLN", "symbol": "PKN.WA", "exchangeName": "WSE", "instrumentType": "EQUITY",
			"exchangeTimezoneName": "Europe/Warsaw", "longName": "ORLEN S.A.", "priceHint": 2}
		src, _, _ := newSource(t, 200, chart(meta, nil, nil, nil), later)
		_, err := src.Classify(context.Background(), "PKN.WA")
		var ue *market.UnregisteredExchangeError
		if !errors.As(err, &ue) {
			t.Fatalf("err = %v, want an UnregisteredExchangeError", err)
		}
		want := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "PKN.WA"}, Type: market.TypeEquity,
			Currency: "PLN", Name: "ORLEN S.A.", Active: true}
		if ue.Site != "Yahoo" || ue.Exchange != "WSE" || !reflect.DeepEqual(ue.Instrument, want) {
			t.Errorf("err = %+v, want PKN.WA on WSE with %+v", ue, want)
		}
		if got := err.Error(); got != `yahoo PKN.WA: Yahoo's exchange "WSE" is not a market marketd knows` {
			t.Errorf("message %q", got)
		}
	})
	t.Run("the suffix places a symbol whose exchange code is unknown", func(t *testing.T) {
		meta := map[string]any{"currency": "JPY", "exchangeName": "XXX", "instrumentType": "EQUITY", "exchangeTimezoneName": "Asia/Tokyo"}
		src, _, _ := newSource(t, 200, chart(meta, nil, nil, nil), later)
		in, err := src.Classify(context.Background(), "7203.T")
		if err != nil || in.Market != "XTKS" {
			t.Errorf("Classify = %+v, %v; want XTKS by the .T suffix", in, err)
		}
	})
}
