package yahoo

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// minuteWindow is what turning an intraday chart response into minute bars
// needs besides the body.
type minuteWindow struct {
	window
	interval market.Interval // what was asked for: 1m, 5m or 60m
	// prePost keeps the pre- and post-market bars too (the request had
	// includePrePost=true), each on the grid of its own period.
	prePost bool
}

// decodeMinutes turns an intraday chart response body (interval=1m, 5m or
// 60m) into bars, for tests and the fuzzer; the fetch path calls
// (*envelope).minutes on what the backend decoded.
func decodeMinutes(body []byte, w minuteWindow) ([]market.MinuteBar, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, undecodable(w.symbol, err)
	}
	return env.minutes(w)
}

// minutes reads the same envelope as a daily response, with a timestamp
// per bar start. It keeps the bars that
//   - lie inside a regular session (meta.tradingPeriods, or
//     currentTradingPeriod.regular), or with w.prePost inside a pre- or
//     post-market period: Yahoo adds a zero-volume row stamped at the
//     close itself, which starts no minute of the session;
//   - start on the interval's grid from the session's open: the live row,
//     stamped at the last trade (regularMarketTime), is not a bar;
//   - have ended by w.now (at the close for a bar the close cuts short):
//     the current minute is partial until it has passed, and its values
//     will still change;
//   - have a close: Yahoo sends a row of nulls for a minute without a
//     trade, which is no bar at all. Other nulls stay missing, as in
//     daily bars, and so do the zeros some indices carry for open, high
//     and low beside a real close.
//
// Prices are rounded to meta.priceHint as daily prices are. Bars come back
// ascending by start, one per start (the later row of a repeated stamp).
func (env *envelope) minutes(w minuteWindow) ([]market.MinuteBar, error) {
	symbol := w.symbol
	if e := env.Chart.Error; e != nil {
		return nil, e.err(symbol)
	}
	if len(env.Chart.Result) == 0 || env.Chart.Result[0] == nil {
		return nil, malformed(symbol, "neither chart.result nor chart.error")
	}
	res := env.Chart.Result[0]
	if res.Meta.Symbol != "" && res.Meta.Symbol != symbol {
		return nil, fmt.Errorf("yahoo %s: %w %q", symbol, ErrWrongSymbol, res.Meta.Symbol)
	}
	if !w.interval.Intraday() {
		return nil, malformed(symbol, "interval %s is not intraday", w.interval)
	}
	n := len(res.Timestamp)
	if n == 0 {
		return nil, nil
	}
	if g := res.Meta.DataGranularity; g != "" && g != w.interval.String() && !(g == "1h" && w.interval == market.Interval60m) {
		return nil, malformed(symbol, "meta.dataGranularity is %q for interval %s", g, w.interval)
	}
	if len(res.Indicators.Quote) == 0 {
		return nil, malformed(symbol, "%d timestamps but no indicators.quote", n)
	}
	q := res.Indicators.Quote[0]
	for _, c := range []struct {
		name   string
		values []*float64
	}{{"open", q.Open}, {"high", q.High}, {"low", q.Low}, {"close", q.Close}, {"volume", q.Volume}} {
		if len(c.values) != n {
			return nil, malformed(symbol, "indicators.quote[0].%s has %d values for %d timestamps", c.name, len(c.values), n)
		}
	}
	periods, err := res.Meta.periods(w.prePost)
	if err != nil {
		return nil, malformed(symbol, "meta.tradingPeriods: %v", err)
	}
	decimals := priceDecimals(res.Meta, w.window)
	step := int64(w.interval.Minutes() * 60)
	now := w.now.Unix()

	out := make([]market.MinuteBar, 0, n)
	for i, ts := range res.Timestamp {
		if ts == nil {
			return nil, malformed(symbol, "timestamp[%d] is null", i)
		}
		start := *ts
		p, ok := periodOf(periods, start)
		// A bar the close cuts short (a 60m bar from 15:30) ends at the close.
		if !ok || start%60 != 0 || (start-p.Start)%step != 0 || min(start+step, p.End) > now || q.Close[i] == nil {
			continue
		}
		at := time.Unix(start, 0).UTC()
		price := func(name string, v *float64) (sql.Null[market.Decimal], error) {
			// A 0 beside a positive close is a placeholder, never a trade.
			if v == nil || *v == 0 && name != "close" && *q.Close[i] > 0 {
				return sql.Null[market.Decimal]{}, nil
			}
			d, err := market.DecimalFromFloat(*v, decimals)
			if err != nil {
				return sql.Null[market.Decimal]{}, malformed(symbol, "%s of the bar at %s: %v", name, at.Format(time.RFC3339), err)
			}
			return market.Some(d), nil
		}
		b := market.MinuteBar{Start: at}
		var cl sql.Null[market.Decimal]
		for _, f := range []struct {
			name string
			v    *float64
			dst  *sql.Null[market.Decimal]
		}{{"open", q.Open[i], &b.Open}, {"high", q.High[i], &b.High}, {"low", q.Low[i], &b.Low}, {"close", q.Close[i], &cl}} {
			if *f.dst, err = price(f.name, f.v); err != nil {
				return nil, err
			}
		}
		b.Close = cl.V
		if v := q.Volume[i]; v != nil {
			vol, err := volume(*v)
			if err != nil {
				return nil, malformed(symbol, "volume of the bar at %s: %v", at.Format(time.RFC3339), err)
			}
			b.Volume = market.Some(vol)
		}
		out = append(out, b)
	}
	slices.SortStableFunc(out, func(a, b market.MinuteBar) int { return a.Start.Compare(b.Start) })
	// The later of two rows with one stamp wins, as for daily rows.
	for i := len(out) - 1; i > 0; i-- {
		if out[i].Start.Equal(out[i-1].Start) {
			out = slices.Delete(out, i-1, i)
		}
	}
	return out, nil
}

// periods returns the sessions the response covers, from
// meta.tradingPeriods: an array of days, each an array of periods, when
// the request asked for the regular session alone; an object with "pre",
// "regular" and "post" arrays of the same form when it asked for pre- and
// post-market too (whose pre and post periods are returned with
// prePost). Without it, currentTradingPeriod's.
func (m chartMeta) periods(prePost bool) ([]tradingPeriod, error) {
	var days [][]tradingPeriod
	switch raw := m.TradingPeriods; {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '[':
		if err := json.Unmarshal(raw, &days); err != nil {
			return nil, err
		}
	default:
		var split struct {
			Pre     [][]tradingPeriod `json:"pre"`
			Regular [][]tradingPeriod `json:"regular"`
			Post    [][]tradingPeriod `json:"post"`
		}
		if err := json.Unmarshal(raw, &split); err != nil {
			return nil, err
		}
		days = split.Regular
		if prePost {
			days = slices.Concat(split.Pre, split.Regular, split.Post)
		}
	}
	var out []tradingPeriod
	for _, d := range days {
		out = append(out, d...)
	}
	if len(out) == 0 {
		cur := m.CurrentTradingPeriod
		for _, p := range []tradingPeriod{cur.Pre, cur.Regular, cur.Post} {
			if p.End > p.Start && (prePost || p == cur.Regular) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// periodOf returns the period whose [start, end) holds stamp.
func periodOf(periods []tradingPeriod, stamp int64) (tradingPeriod, bool) {
	for _, p := range periods {
		if stamp >= p.Start && stamp < p.End {
			return p, true
		}
	}
	return tradingPeriod{}, false
}
