package sourcetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Yahoo's answers to intraday windows it does not serve: HTTP 422 with
// these descriptions (as quoted in public issue threads and code), and no
// partial data for a window that straddles the limit.
const (
	yahooUnprocessable = `{"chart":{"result":null,"error":{"code":"Unprocessable Entity","description":"%s"}}}`
	yahooPerRequest    = "%s data not available for startTime=%d and endTime=%d. Only %d days worth of %s granularity data are allowed to be fetched per request."
	yahooBeyondReach   = "%s data not available for startTime=%d and endTime=%d. The requested range must be within the last %d days."
)

// YahooIntradayLimits are the simulated chart API's intraday limits, the
// real site's: how many days back an interval is served, and how many
// days one request may span (0: no limit of its own).
var YahooIntradayLimits = map[market.Interval]struct{ ReachDays, PerRequestDays int }{
	market.Interval1m:  {30, 7},
	market.Interval5m:  {60, 0},
	market.Interval60m: {730, 0},
}

// intradayMeta mirrors the meta of the recorded intraday body
// (chart_AMZN_1m_range30m_20230502.json), field for field and in order.
type intradayMeta struct {
	Currency             string `json:"currency"`
	Symbol               string `json:"symbol"`
	ExchangeName         string `json:"exchangeName"`
	InstrumentType       string `json:"instrumentType"`
	FirstTradeDate       int64  `json:"firstTradeDate"`
	RegularMarketTime    int64  `json:"regularMarketTime"`
	Gmtoffset            int    `json:"gmtoffset"`
	Timezone             string `json:"timezone"`
	ExchangeTimezoneName string `json:"exchangeTimezoneName"`
	RegularMarketPrice   yf     `json:"regularMarketPrice"`
	ChartPreviousClose   yf     `json:"chartPreviousClose"`
	PreviousClose        yf     `json:"previousClose"`
	Scale                int    `json:"scale"`
	PriceHint            int    `json:"priceHint"`
	CurrentTradingPeriod struct {
		Pre     tradingPeriod `json:"pre"`
		Regular tradingPeriod `json:"regular"`
		Post    tradingPeriod `json:"post"`
	} `json:"currentTradingPeriod"`
	// TradingPeriods is [[regular]] per day, or {"pre","regular","post"}
	// of that form with includePrePost=true.
	TradingPeriods  any      `json:"tradingPeriods"`
	DataGranularity string   `json:"dataGranularity"`
	Range           string   `json:"range"`
	ValidRanges     []string `json:"validRanges"`
}

// tradingPeriod is one period as the intraday meta writes it.
type tradingPeriod struct {
	Timezone  string `json:"timezone"`
	Start     int64  `json:"start"`
	End       int64  `json:"end"`
	Gmtoffset int    `json:"gmtoffset"`
}

func (in *instrument) period(from, to time.Time) tradingPeriod {
	zone, off := from.In(in.mkt.Location).Zone()
	return tradingPeriod{Timezone: zone, Start: from.Unix(), End: to.Unix(), Gmtoffset: off}
}

// minuteChart serves an intraday chart (interval=1m, 5m or 60m) for the
// window period1..period2 (unix seconds, end exclusive), with Yahoo's
// limits: 422 beyond an interval's reach or over 1m's 7 days a request.
// Rows are the bars that have started by now; the one in progress is
// there too, as on the site. A regular-session bar without a trade is a
// row of nulls; with includePrePost=true the pre- and post-market bars
// that traded come too. A 1m answer without pre/post ends with Yahoo's
// zero-volume row stamped at the close.
func (m *Market) minuteChart(in *instrument, sym string, iv market.Interval, q url.Values, now time.Time, drift bool) response {
	p1, err1 := strconv.ParseInt(q.Get("period1"), 10, 64)
	p2, err2 := strconv.ParseInt(q.Get("period2"), 10, 64)
	if err1 != nil || err2 != nil || p2 <= p1 {
		return yahooJSON(http.StatusBadRequest, fmt.Appendf(nil, yahooBadInput,
			"the simulated market serves intraday by period1 and period2, not period1="+q.Get("period1")+", period2="+q.Get("period2")))
	}
	lim := YahooIntradayLimits[iv]
	name := iv.String()
	unprocessable := func(format string, args ...any) response {
		desc, _ := json.Marshal(fmt.Sprintf(format, args...))
		return yahooJSON(http.StatusUnprocessableEntity, fmt.Appendf(nil, yahooUnprocessable, desc[1:len(desc)-1]))
	}
	if lim.PerRequestDays > 0 && p2-p1 > int64(lim.PerRequestDays)*86400 {
		return unprocessable(yahooPerRequest, name, p1, p2, lim.PerRequestDays, name)
	}
	if p1 < now.Unix()-int64(lim.ReachDays)*86400 {
		return unprocessable(yahooBeyondReach, name, p1, p2, lim.ReachDays)
	}
	prePost := q.Get("includePrePost") == "true"
	hint := in.kind.priceHint
	loc := in.mkt.Location
	// A session a day at most (crypto), and the one before the window for
	// chartPreviousClose.
	hist := finalHistory(in, now, hint, int((now.Unix()-p1)/86400)+3)
	first := market.DateOf(time.Unix(p1, 0).In(loc)).AddDays(-1)
	last := market.DateOf(time.Unix(min(p2, now.Unix()), 0).In(loc)).AddDays(1)

	type row struct {
		start      int64
		o, h, l, c *market.Decimal
		v          *int64
	}
	var rows []row
	var regular, pre, post [][]tradingPeriod
	prevClose, firstServed := market.Decimal(0), -1
	for i, b := range hist {
		if b.date < first || b.date > last {
			continue
		}
		s := in.sessionBars(b, hint, iv, prePost)
		if s.po.Unix() <= p1 || s.preAt.Unix() >= p2 || s.preAt.After(now) {
			continue
		}
		if firstServed < 0 {
			firstServed = i
		}
		regular = append(regular, []tradingPeriod{in.period(s.open, s.cls)})
		pre = append(pre, []tradingPeriod{in.period(s.preAt, s.open)})
		post = append(post, []tradingPeriod{in.period(s.cls, s.po)})
		for _, x := range s.all() {
			t := x.start.Unix()
			if t < p1 || t >= p2 || x.start.After(now) {
				continue
			}
			inRegular := !x.start.Before(s.open) && x.start.Before(s.cls)
			switch {
			case x.traded:
				rows = append(rows, row{start: t, o: &x.o, h: &x.h, l: &x.l, c: &x.c, v: &x.v})
			case inRegular:
				rows = append(rows, row{start: t})
			}
		}
		if iv == market.Interval1m && !prePost && len(s.regular) > 0 && !now.Before(s.cls) && s.cls.Unix() >= p1 && s.cls.Unix() < p2 {
			c, zero := b.c, int64(0)
			if b.halted {
				continue
			}
			rows = append(rows, row{start: s.cls.Unix(), o: &c, h: &c, l: &c, c: &c, v: &zero})
		}
	}
	if firstServed > 0 {
		prevClose = hist[firstServed-1].c
	}

	meta := intradayMeta{Currency: in.kind.currency, Symbol: sym, ExchangeName: in.kind.exchange, InstrumentType: in.kind.instrumentType,
		FirstTradeDate: in.at(in.firstSession(), in.open).Unix(), ExchangeTimezoneName: loc.String(),
		ChartPreviousClose: price(prevClose, hint), Scale: 3, PriceHint: hint,
		DataGranularity: name, ValidRanges: yahooRanges}
	meta.Timezone, meta.Gmtoffset = now.In(loc).Zone()
	if daily := m.recentHistory(in, now, hint, 2); len(daily) > 0 {
		lastBar := daily[len(daily)-1]
		meta.RegularMarketPrice = price(lastBar.c, hint)
		meta.RegularMarketTime = earlier(now, in.at(lastBar.date, in.mkt.Close)).Unix()
		if len(daily) > 1 {
			meta.PreviousClose = price(daily[len(daily)-2].c, hint)
		}
		open, cls := in.hours(lastBar.date)
		preAt, po := open, cls
		if in.kind.prePost {
			preAt, po = in.at(lastBar.date, in.kind.pre).UTC(), in.at(lastBar.date, in.kind.post).UTC()
		}
		meta.CurrentTradingPeriod.Pre = in.period(preAt, open)
		meta.CurrentTradingPeriod.Regular = in.period(open, cls)
		meta.CurrentTradingPeriod.Post = in.period(cls, po)
	}
	meta.TradingPeriods = regular
	if prePost {
		meta.TradingPeriods = struct {
			Pre     [][]tradingPeriod `json:"pre"`
			Regular [][]tradingPeriod `json:"regular"`
			Post    [][]tradingPeriod `json:"post"`
		}{pre, regular, post}
	}

	result := map[string]any{"meta": meta}
	if len(rows) == 0 {
		result["indicators"] = map[string]any{"quote": []any{map[string]any{}}}
	} else {
		ts := make([]int64, len(rows))
		col := func(get func(row) *market.Decimal) json.RawMessage {
			out := append(make([]byte, 0, 20*len(rows)), '[')
			for i, r := range rows {
				if i > 0 {
					out = append(out, ',')
				}
				if p := get(r); p == nil {
					out = append(out, "null"...)
				} else {
					out = appendYF(out, float64(price(*p, hint)))
				}
			}
			return append(out, ']')
		}
		vol := append(make([]byte, 0, 10*len(rows)), '[')
		for i, r := range rows {
			ts[i] = r.start
			if i > 0 {
				vol = append(vol, ',')
			}
			if r.v == nil {
				vol = append(vol, "null"...)
			} else {
				vol = strconv.AppendInt(vol, *r.v, 10)
			}
		}
		closeKey := "close"
		if drift {
			closeKey = "closePrice"
		}
		result["timestamp"] = ts
		result["indicators"] = map[string]any{"quote": []any{map[string]any{
			"high":   col(func(r row) *market.Decimal { return r.h }),
			closeKey: col(func(r row) *market.Decimal { return r.c }),
			"open":   col(func(r row) *market.Decimal { return r.o }),
			"low":    col(func(r row) *market.Decimal { return r.l }),
			"volume": json.RawMessage(append(vol, ']')),
		}}}
	}
	body, err := json.Marshal(map[string]any{"chart": map[string]any{"result": []any{result}, "error": nil}})
	if err != nil {
		panic(fmt.Sprintf("sourcetest: encoding intraday chart of %s: %v", sym, err)) // only plain values above
	}
	return yahooJSON(http.StatusOK, body)
}
