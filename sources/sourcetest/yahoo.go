package sourcetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Yahoo's recorded error bodies.
const (
	yahooNotFound = `{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`
	yahooNoData   = `{"chart":{"result":null,"error":{"code":"Bad Request","description":"Data doesn't exist for startDate = %d, endDate = %d"}}}`
	yahooBadInput = `{"chart":{"result":null,"error":{"code":"Bad Request","description":"Invalid input - %s"}}}`
)

func yahooJSON(status int, body []byte) response {
	return response{status: status, contentType: "application/json;charset=utf-8", body: body}
}

// yahooRow is one session as the chart API serves it.
type yahooRow struct {
	bar
	ts    int64          // session open, unix seconds
	adj   market.Decimal // adjclose at priceHint: what a collector stores
	adjF  float64        // adjclose as served
	nulls []string       // fields served as null
}

// yahooEvent is a dividend or a split under chart.events.
type yahooEvent struct {
	date   market.Date
	ts     int64
	amount market.Decimal // dividend, split-adjusted to today
	num    int64
	den    int64
}

// yahooGone reports whether Yahoo answers 404 for in at now: it was
// delisted before today.
func (in *instrument) yahooGone(now time.Time) bool {
	return in.delisted != 0 && in.delisted < in.mkt.Today(now)
}

// yahooHistory returns every row and event Yahoo serves for in at now.
func (m *Market) yahooHistory(in *instrument, now time.Time) ([]yahooRow, []yahooEvent, []yahooEvent) {
	hist := m.history(in, now, in.kind.priceHint)
	if len(hist) == 0 {
		return nil, nil, nil
	}
	last := hist[len(hist)-1].date
	var divs, splits []yahooEvent
	for _, d := range in.divs {
		if d.Date > in.listed && d.Date <= last {
			num, den := in.splitFactor(d.Date, in.mkt.Today(now))
			divs = append(divs, yahooEvent{date: d.Date, ts: in.at(d.Date, in.open).Unix(), amount: scale(d.Amount, den, num)})
		}
	}
	for _, s := range in.splits {
		if s.Date > in.listed && s.Date <= last {
			splits = append(splits, yahooEvent{date: s.Date, ts: in.at(s.Date, in.open).Unix(), num: s.Numerator, den: s.Denominator})
		}
	}
	rows := make([]yahooRow, len(hist))
	factor, di := 1.0, len(divs)-1
	for i := len(hist) - 1; i >= 0; i-- {
		b := hist[i]
		for di >= 0 && divs[di].date > b.date {
			// b is the last session before the ex-date: the dividend's
			// adjustment is its fraction of that close.
			factor *= 1 - divs[di].amount.Float64()/b.c.Float64()
			di--
		}
		if b.halted {
			b.o, b.h, b.l, b.v = b.c, b.c, b.c, 0
		}
		adjF := b.c.Float64() * factor
		adj, _ := market.DecimalFromFloat(adjF, in.kind.priceHint)
		rows[i] = yahooRow{bar: b, ts: in.at(b.date, in.open).Unix(), adj: adj, adjF: servedFloat(adjF, adj, in.kind.priceHint), nulls: in.nulls[b.date]}
	}
	return rows, divs, splits
}

// servedFloat is how Yahoo writes a price: float32 precision widened to
// float64 (129.04 arrives as 129.0399932861328), unless that would round
// to another value at priceHint, in which case the exact value.
func servedFloat(f float64, want market.Decimal, hint int) float64 {
	f32 := float64(float32(f))
	if d, err := market.DecimalFromFloat(f32, hint); err == nil && d == want {
		return f32
	}
	return want.Float64()
}

// yf is a number as Yahoo writes it: whole floats keep their ".0".
type yf float64

func (f yf) MarshalJSON() ([]byte, error) { return appendYF(nil, float64(f)), nil }

func appendYF(b []byte, f float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if !bytes.ContainsAny(b[start:], ".eE") {
		b = append(b, ".0"...)
	}
	return b
}

func price(d market.Decimal, hint int) yf { return yf(servedFloat(d.Float64(), d, hint)) }

type yahooPeriod struct {
	Timezone  string `json:"timezone"`
	End       int64  `json:"end"`
	Start     int64  `json:"start"`
	Gmtoffset int    `json:"gmtoffset"`
}

// yahooMeta mirrors chart.result[0].meta field for field, in the order of
// the byte-exact recording.
type yahooMeta struct {
	Currency                   string `json:"currency"`
	Symbol                     string `json:"symbol"`
	ExchangeName               string `json:"exchangeName"`
	FullExchangeName           string `json:"fullExchangeName"`
	InstrumentType             string `json:"instrumentType"`
	FirstTradeDate             int64  `json:"firstTradeDate"`
	RegularMarketTime          int64  `json:"regularMarketTime"`
	HasPrePostMarketData       bool   `json:"hasPrePostMarketData"`
	Gmtoffset                  int    `json:"gmtoffset"`
	Timezone                   string `json:"timezone"`
	ExchangeTimezoneName       string `json:"exchangeTimezoneName"`
	RegularMarketPrice         yf     `json:"regularMarketPrice"`
	RegularMarketChangePercent yf     `json:"regularMarketChangePercent"`
	FulldayPrice               yf     `json:"fulldayPrice"`
	FulldayChange              yf     `json:"fulldayChange"`
	FulldayChangePercent       yf     `json:"fulldayChangePercent"`
	FiftyTwoWeekHigh           yf     `json:"fiftyTwoWeekHigh"`
	FiftyTwoWeekLow            yf     `json:"fiftyTwoWeekLow"`
	RegularMarketDayHigh       yf     `json:"regularMarketDayHigh"`
	RegularMarketDayLow        yf     `json:"regularMarketDayLow"`
	RegularMarketVolume        int64  `json:"regularMarketVolume"`
	LongName                   string `json:"longName"`
	ShortName                  string `json:"shortName"`
	ChartPreviousClose         yf     `json:"chartPreviousClose"`
	PriceHint                  int    `json:"priceHint"`
	CurrentTradingPeriod       struct {
		Pre     yahooPeriod `json:"pre"`
		Regular yahooPeriod `json:"regular"`
		Post    yahooPeriod `json:"post"`
	} `json:"currentTradingPeriod"`
	DataGranularity string   `json:"dataGranularity"`
	Range           string   `json:"range"`
	ValidRanges     []string `json:"validRanges"`
}

var yahooRanges = []string{"1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"}

// chart serves /v8/finance/chart/{symbol}: interval=1d, a window by
// period1/period2 (unix seconds, end exclusive) or by range; the intraday
// intervals go to minuteChart.
func (m *Market) chart(r *http.Request, drift bool) response {
	sym := r.PathValue("symbol")
	now := m.now()
	in, ok := m.lookup(market.SourceYahoo, sym)
	if !ok || in.yahooGone(now) {
		return yahooJSON(http.StatusNotFound, []byte(yahooNotFound))
	}
	q := r.URL.Query()
	if iv := q.Get("interval"); iv != "" && iv != "1d" {
		if mi, err := market.ParseInterval(iv); err == nil && mi.Intraday() {
			return m.minuteChart(in, sym, mi, q, now, drift)
		}
		return yahooJSON(http.StatusBadRequest, fmt.Appendf(nil, yahooBadInput, "interval="+iv+" is not supported by the simulated market (1m, 5m, 60m and 1d only)"))
	}
	rows, divs, splits := m.yahooHistory(in, now)
	var p1, p2 int64
	rng := ""
	if q.Has("period1") {
		var err1, err2 error
		p1, err1 = strconv.ParseInt(q.Get("period1"), 10, 64)
		p2, err2 = now.Unix(), nil
		if q.Has("period2") {
			p2, err2 = strconv.ParseInt(q.Get("period2"), 10, 64)
		}
		if err1 != nil || err2 != nil {
			return yahooJSON(http.StatusBadRequest, fmt.Appendf(nil, yahooBadInput, "period1="+q.Get("period1")+", period2="+q.Get("period2")))
		}
	} else {
		rng = q.Get("range")
		if rng == "" {
			rng = "1mo"
		}
		if !slices.Contains(yahooRanges, rng) {
			return yahooJSON(http.StatusBadRequest, fmt.Appendf(nil, yahooBadInput, "range="+rng))
		}
		p1, p2 = rangeWindow(in, rows, rng, now)
	}
	if first := in.at(in.firstSession(), in.open).Unix(); p2 <= first {
		return yahooJSON(http.StatusBadRequest, fmt.Appendf(nil, yahooNoData, p1, p2))
	}
	lo, _ := slices.BinarySearchFunc(rows, p1, func(r yahooRow, t int64) int { return cmp64(r.ts, t) })
	hi, _ := slices.BinarySearchFunc(rows, p2, func(r yahooRow, t int64) int { return cmp64(r.ts, t) })
	hi = max(hi, lo)
	events := q.Get("events")
	body := m.chartBody(in, sym, rows, lo, hi, rng, now, drift,
		strings.Contains(events, "div"), strings.Contains(events, "split"), divs, splits, p1, p2)
	return yahooJSON(http.StatusOK, body)
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// firstSession returns the first session on or after the listing.
func (in *instrument) firstSession() market.Date {
	if s := in.cal.Sessions(in.listed, in.listed.AddDays(30)); len(s) > 0 {
		return s[0]
	}
	return in.listed
}

// rangeWindow turns range=… into a period: Nd is the last N sessions, the
// others count calendar time back from today.
func rangeWindow(in *instrument, rows []yahooRow, rng string, now time.Time) (p1, p2 int64) {
	p2 = now.Unix() + 1
	today := in.mkt.Today(now)
	var from market.Date
	switch rng {
	case "1d", "5d":
		n := 1
		if rng == "5d" {
			n = 5
		}
		if len(rows) == 0 {
			return p2 - 1, p2
		}
		return rows[max(0, len(rows)-n)].ts, p2
	case "1mo", "3mo", "6mo":
		n, _ := strconv.Atoi(strings.TrimSuffix(rng, "mo"))
		from = market.NewDate(today.Year(), today.Month()-time.Month(n), today.Day())
	case "1y", "2y", "5y", "10y":
		n, _ := strconv.Atoi(strings.TrimSuffix(rng, "y"))
		from = market.NewDate(today.Year()-n, today.Month(), today.Day())
	case "ytd":
		from = market.NewDate(today.Year(), time.January, 1)
	case "max":
		return 0, p2
	}
	return from.In(in.mkt.Location).Unix(), p2
}

func (m *Market) chartBody(in *instrument, sym string, rows []yahooRow, lo, hi int, rng string, now time.Time,
	drift, wantDivs, wantSplits bool, divs, splits []yahooEvent, p1, p2 int64) []byte {
	meta := m.yahooMeta(in, sym, rows, lo, rng, now)
	result := map[string]any{"meta": meta}
	win := rows[lo:hi]
	if len(win) == 0 {
		result["indicators"] = map[string]any{"quote": []any{map[string]any{}}, "adjclose": []any{map[string]any{}}}
	} else {
		ts := make([]int64, len(win))
		// Columns are rendered straight to JSON: a ten-year answer has
		// 15,000 numbers, too many to box one by one for encoding/json.
		col := func(field string, appendValue func([]byte, yahooRow) []byte) json.RawMessage {
			out := append(make([]byte, 0, 20*len(win)), '[')
			for i, r := range win {
				if i > 0 {
					out = append(out, ',')
				}
				if slices.Contains(r.nulls, field) {
					out = append(out, "null"...)
				} else {
					out = appendValue(out, r)
				}
			}
			return append(out, ']')
		}
		priceOf := func(get func(yahooRow) market.Decimal) func([]byte, yahooRow) []byte {
			return func(b []byte, r yahooRow) []byte { return appendYF(b, float64(price(get(r), in.kind.priceHint))) }
		}
		for i, r := range win {
			ts[i] = r.ts
		}
		closeKey := "close"
		if drift {
			closeKey = "closePrice" // the kind of rename that breaks parsers overnight
		}
		quote := map[string]any{
			"open":   col("open", priceOf(func(r yahooRow) market.Decimal { return r.o })),
			"high":   col("high", priceOf(func(r yahooRow) market.Decimal { return r.h })),
			"low":    col("low", priceOf(func(r yahooRow) market.Decimal { return r.l })),
			closeKey: col("close", priceOf(func(r yahooRow) market.Decimal { return r.c })),
			"volume": col("volume", func(b []byte, r yahooRow) []byte { return strconv.AppendInt(b, r.v, 10) }),
		}
		adj := col("adjclose", func(b []byte, r yahooRow) []byte { return appendYF(b, r.adjF) })
		result["timestamp"] = ts
		result["indicators"] = map[string]any{"quote": []any{quote}, "adjclose": []any{map[string]any{"adjclose": adj}}}
		ev := map[string]any{}
		if wantDivs {
			d := map[string]any{}
			for _, e := range divs {
				if e.ts >= p1 && e.ts < p2 {
					d[strconv.FormatInt(e.ts, 10)] = map[string]any{"amount": json.Number(e.amount.String()), "date": e.ts}
				}
			}
			if len(d) > 0 {
				ev["dividends"] = d
			}
		}
		if wantSplits {
			s := map[string]any{}
			for _, e := range splits {
				if e.ts >= p1 && e.ts < p2 {
					s[strconv.FormatInt(e.ts, 10)] = map[string]any{
						"date": e.ts, "numerator": e.num, "denominator": e.den,
						"splitRatio": fmt.Sprintf("%d:%d", e.num, e.den),
					}
				}
			}
			if len(s) > 0 {
				ev["splits"] = s
			}
		}
		if len(ev) > 0 {
			result["events"] = ev
		}
	}
	body, err := json.Marshal(map[string]any{"chart": map[string]any{"result": []any{result}, "error": nil}})
	if err != nil {
		panic(fmt.Sprintf("sourcetest: encoding chart of %s: %v", sym, err)) // only plain values above
	}
	return body
}

func (m *Market) yahooMeta(in *instrument, sym string, rows []yahooRow, lo int, rng string, now time.Time) yahooMeta {
	loc := in.mkt.Location
	zone, off := now.In(loc).Zone()
	k := in.kind
	meta := yahooMeta{
		Currency: k.currency, Symbol: sym, ExchangeName: k.exchange, FullExchangeName: k.fullExchange, InstrumentType: k.instrumentType,
		FirstTradeDate: in.at(in.firstSession(), in.open).Unix(), HasPrePostMarketData: k.prePost,
		Gmtoffset: off, Timezone: zone, ExchangeTimezoneName: loc.String(),
		LongName: in.name, ShortName: in.name, PriceHint: k.priceHint,
		DataGranularity: "1d", Range: rng, ValidRanges: yahooRanges,
	}
	pre, post := k.pre, k.post
	if pre == 0 && post == 0 {
		pre, post = in.open, in.mkt.Close
	}
	day := in.mkt.Today(now)
	if len(rows) > 0 {
		last := rows[len(rows)-1]
		day = last.date
		meta.RegularMarketPrice, meta.FulldayPrice = price(last.c, k.priceHint), price(last.c, k.priceHint)
		meta.RegularMarketDayHigh, meta.RegularMarketDayLow = price(last.h, k.priceHint), price(last.l, k.priceHint)
		meta.RegularMarketVolume = last.v
		meta.RegularMarketTime = earlier(now, in.at(last.date, in.mkt.Close)).Unix()
		if len(rows) > 1 {
			prev := rows[len(rows)-2].c
			meta.FulldayChange = yf((last.c - prev).Float64())
			pct := float64(int64(last.c-prev)*100_000/int64(prev)) / 1000
			meta.RegularMarketChangePercent, meta.FulldayChangePercent = yf(pct), yf(pct)
		}
		hi, low := last.h, last.l
		for _, r := range rows[max(0, len(rows)-252):] {
			if !r.halted {
				hi, low = max(hi, r.h), min(low, r.l)
			}
		}
		meta.FiftyTwoWeekHigh, meta.FiftyTwoWeekLow = price(hi, k.priceHint), price(low, k.priceHint)
		meta.ChartPreviousClose = price(rows[max(0, lo-1)].c, k.priceHint)
	}
	period := func(from, to time.Duration) yahooPeriod {
		return yahooPeriod{Timezone: zone, Start: in.at(day, from).Unix(), End: in.at(day, to).Unix(), Gmtoffset: off}
	}
	meta.CurrentTradingPeriod.Pre = period(pre, in.open)
	meta.CurrentTradingPeriod.Regular = period(in.open, in.mkt.Close)
	meta.CurrentTradingPeriod.Post = period(in.mkt.Close, post)
	return meta
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
