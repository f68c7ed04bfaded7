package yahoo

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// errMalformed marks a response that decoded as JSON but does not make
// sense as a chart (arrays of different lengths, a null timestamp, an
// unknown time zone). It fails that one symbol's request.
var errMalformed = errors.New("malformed chart response")

// window is what turning a response into a Series needs besides the body.
type window struct {
	symbol   string
	from, to market.Date // inclusive; bars and actions outside are dropped
	now      time.Time
	// market is the instrument's exchange, whose closing time decides
	// whether today's bar is final when Yahoo's meta does not say; nil
	// when the instrument's market is not one marketd knows.
	market *market.Market
	// typ is the stored instrument type, for a response whose meta does
	// not say.
	typ string
}

// decode turns a chart response body into a Series. Fetch gets the body
// decoded by finance-go's backend and calls (*envelope).series directly;
// decode is the same path from raw bytes, for tests and the fuzzer.
func decode(body []byte, w window) (market.Series, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return market.Series{}, undecodable(w.symbol, err)
	}
	return env.series(w)
}

// undecodable wraps a JSON error: Yahoo's edge occasionally sends a cut or
// garbled body with a 200, which a later attempt gets whole, so it is
// transient.
func undecodable(symbol string, err error) error {
	return fmt.Errorf("yahoo %s: %w: %w: %w", symbol, errMalformed, httpx.ErrTransient, err)
}

// ErrWrongSymbol is an answer whose meta.symbol is not the symbol asked
// for. Permanent for the run: the instrument fails, nothing is stored.
var ErrWrongSymbol = errors.New("answer for another symbol")

func malformed(symbol, format string, args ...any) error {
	return fmt.Errorf("yahoo %s: %w: %s", symbol, errMalformed, fmt.Sprintf(format, args...))
}

// err maps Yahoo's chart.error to the errors callers branch on.
func (e *chartError) err(symbol string) error {
	switch {
	case e.Code == "Not Found":
		return fmt.Errorf("yahoo %s: %w (%s)", symbol, market.ErrNotFound, e.Description)
	case strings.HasPrefix(e.Description, "Data doesn't exist"):
		return fmt.Errorf("yahoo %s: %w (%s)", symbol, market.ErrNoData, e.Description)
	}
	return fmt.Errorf("yahoo %s: chart error %q: %s", symbol, e.Code, e.Description)
}

// row is one timestamp of the response before deduplication.
type row struct {
	stamp int64
	bar   market.Bar
	note  *market.Note
	ok    bool // has a close; false rows are reported as skipped
}

func (env *envelope) series(w window) (market.Series, error) {
	if e := env.Chart.Error; e != nil {
		return market.Series{}, e.err(w.symbol)
	}
	if len(env.Chart.Result) == 0 || env.Chart.Result[0] == nil {
		return market.Series{}, malformed(w.symbol, "neither chart.result nor chart.error")
	}
	res := env.Chart.Result[0]
	// An answer about another symbol (a redirect, a cache, a hostile
	// host) would be stored under the one asked for.
	if res.Meta.Symbol != "" && res.Meta.Symbol != w.symbol {
		return market.Series{}, fmt.Errorf("yahoo %s: %w %q", w.symbol, ErrWrongSymbol, res.Meta.Symbol)
	}
	s := market.Series{Currency: res.Meta.Currency}
	n := len(res.Timestamp)
	if n == 0 && len(res.Events.Dividends) == 0 && len(res.Events.Splits) == 0 {
		return s, nil // an empty window: Yahoo leaves out the timestamp key
	}

	// Only the exchange's named zone gives trading dates; an empty name
	// would load UTC and "Local" the host's zone, both wrong.
	tz := res.Meta.ExchangeTimezoneName
	if tz == "" || tz == "Local" {
		return market.Series{}, malformed(w.symbol, "meta.exchangeTimezoneName is %q", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return market.Series{}, malformed(w.symbol, "meta.exchangeTimezoneName: %v", err)
	}

	rows, err := res.rows(w, loc)
	if err != nil {
		return market.Series{}, err
	}
	closed := sessionClosed(w, loc, res.Meta.CurrentTradingPeriod.Regular)
	for _, r := range dedupe(rows) {
		if r.bar.Date < w.from || r.bar.Date > w.to || !closed(r.bar.Date) {
			continue
		}
		if r.note != nil {
			s.Notes = append(s.Notes, *r.note)
		}
		if r.ok {
			s.Bars = append(s.Bars, r.bar)
		}
	}

	s.Actions, err = res.Events.actions(w.symbol, loc)
	if err != nil {
		return market.Series{}, err
	}
	s.Actions = slices.DeleteFunc(s.Actions, func(a market.Action) bool {
		return a.Date < w.from || a.Date > w.to
	})
	return s, nil
}

func (res *chartResult) rows(w window, loc *time.Location) ([]row, error) {
	symbol := w.symbol
	n := len(res.Timestamp)
	if n == 0 {
		return nil, nil
	}
	if len(res.Indicators.Quote) == 0 {
		return nil, malformed(symbol, "%d timestamps but no indicators.quote", n)
	}
	q := res.Indicators.Quote[0]
	columns := []struct {
		name   string
		values []*float64
	}{{"open", q.Open}, {"high", q.High}, {"low", q.Low}, {"close", q.Close}, {"volume", q.Volume}}
	for _, c := range columns {
		if len(c.values) != n {
			return nil, malformed(symbol, "indicators.quote[0].%s has %d values for %d timestamps", c.name, len(c.values), n)
		}
	}
	// Without the adjclose indicator every AdjClose stays invalid; a
	// present one must line up with the timestamps like the quote.
	var adj []*float64
	if len(res.Indicators.AdjClose) > 0 {
		adj = res.Indicators.AdjClose[0].AdjClose
		if len(adj) != n {
			return nil, malformed(symbol, "indicators.adjclose[0].adjclose has %d values for %d timestamps", len(adj), n)
		}
	}
	decimals := priceDecimals(res.Meta, w)

	rows := make([]row, 0, n)
	for i, ts := range res.Timestamp {
		if ts == nil {
			return nil, malformed(symbol, "timestamp[%d] is null", i)
		}
		date := market.DateOf(time.Unix(*ts, 0).In(loc))
		r := row{stamp: *ts, bar: market.Bar{Date: date}}
		if q.Close[i] == nil {
			r.note = &market.Note{Date: date, Skipped: true, Reason: "close is null; row skipped"}
			rows = append(rows, r)
			continue
		}
		var missing, zeroed []string
		// Yahoo fills the open, high and low of some indices' bars with 0
		// (KOSPI-25.KS: 0, 0, 0 and a close of 46539.14): a placeholder
		// for a price it lacks, like null, never a trade at 0.
		placeholder := func(name string, v float64) bool {
			return v == 0 && name != "close" && name != "adjclose" && *q.Close[i] > 0
		}
		price := func(name string, v *float64) (sql.Null[market.Decimal], error) {
			switch {
			case v == nil:
				missing = append(missing, name)
				return sql.Null[market.Decimal]{}, nil
			case placeholder(name, *v):
				zeroed = append(zeroed, name)
				return sql.Null[market.Decimal]{}, nil
			}
			d, err := market.DecimalFromFloat(*v, decimals)
			if err != nil {
				return sql.Null[market.Decimal]{}, malformed(symbol, "%s on %s: %v", name, date, err)
			}
			return market.Some(d), nil
		}
		var cl sql.Null[market.Decimal]
		var err error
		if r.bar.Open, err = price("open", q.Open[i]); err != nil {
			return nil, err
		}
		if r.bar.High, err = price("high", q.High[i]); err != nil {
			return nil, err
		}
		if r.bar.Low, err = price("low", q.Low[i]); err != nil {
			return nil, err
		}
		if cl, err = price("close", q.Close[i]); err != nil {
			return nil, err
		}
		r.bar.Close = cl.V
		if adj != nil {
			if r.bar.AdjClose, err = price("adjclose", adj[i]); err != nil {
				return nil, err
			}
		}
		if v := q.Volume[i]; v == nil {
			missing = append(missing, "volume")
		} else {
			vol, err := volume(*v)
			if err != nil {
				return nil, malformed(symbol, "volume on %s: %v", date, err)
			}
			r.bar.Volume = market.Some(vol)
		}
		if len(missing)+len(zeroed) > 0 {
			var what []string
			if len(missing) > 0 {
				what = append(what, strings.Join(missing, ", ")+" null")
			}
			if len(zeroed) > 0 {
				what = append(what, strings.Join(zeroed, ", ")+" 0 beside a close")
			}
			r.note = &market.Note{Date: date, Reason: strings.Join(what, "; ") + "; kept as missing"}
		} else if halted(r.bar) {
			// Yahoo serves a session without trades as open = high = low =
			// close with no volume. Store it as Naver's halts are stored: the
			// close carried, no open/high/low, so the validator counts the
			// session as present and never as a frozen quote.
			r.bar.Open, r.bar.High, r.bar.Low, r.bar.Halted = sql.Null[market.Decimal]{}, sql.Null[market.Decimal]{}, sql.Null[market.Decimal]{}, true
			r.note = &market.Note{Date: date, Reason: "no volume and one price: stored as a halt"}
		}
		r.ok = true
		rows = append(rows, r)
	}
	return rows, nil
}

// halted reports a session in which nothing traded.
func halted(b market.Bar) bool {
	return b.Volume.V == 0 && b.Open.V == b.Close && b.High.V == b.Close && b.Low.V == b.Close
}

// dedupe returns one row per date, ascending. Yahoo can send two rows for
// one date (the day's bar and a live row stamped later); the latest row
// with a close wins, and a date whose rows all lack a close yields its
// latest row so that the skip is reported once.
func dedupe(rows []row) []row {
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(a.bar.Date, b.bar.Date), cmp.Compare(a.stamp, b.stamp))
	})
	out := rows[:0]
	for i := 0; i < len(rows); {
		j := i
		pick := -1
		for ; j < len(rows) && rows[j].bar.Date == rows[i].bar.Date; j++ {
			if rows[j].ok {
				pick = j
			}
		}
		if pick < 0 {
			pick = j - 1
		}
		out = append(out, rows[pick])
		i = j
	}
	return out
}

// sessionClosed returns whether the regular session of a trading date has
// ended at w.now, so that its bar is no longer partial. Yahoo's
// currentTradingPeriod.regular describes the session of the request's day;
// when it is about another day or absent, the exchange's closing time
// decides, and with neither a bar dated today is kept out.
func sessionClosed(w window, loc *time.Location, regular tradingPeriod) func(market.Date) bool {
	today := market.DateOf(w.now.In(loc))
	return func(d market.Date) bool {
		switch {
		case d < today:
			return true
		case d > today:
			return false
		}
		if regular.End > 0 {
			end := time.Unix(regular.End, 0)
			if market.DateOf(end.In(loc)) == d {
				return !w.now.Before(end)
			}
		}
		if w.market != nil {
			// A wall-clock time on the date, not midnight plus a duration,
			// which would be an hour off on a DST change day.
			c := w.market.Close
			end := time.Date(d.Year(), d.Month(), d.Day(), int(c/time.Hour), int(c%time.Hour/time.Minute), 0, 0, w.market.Location)
			return !w.now.Before(end)
		}
		return false
	}
}

// priceDecimals is the precision prices are rounded to: meta.priceHint
// (2, Yahoo's usual hint, when absent), or none where the market's tick is
// a whole currency unit for the instrument's type (the registry's fact:
// KRX shares and ETFs, for which Yahoo still sends priceHint 2). The
// currency alone never decides: a KRW index (KOSPI-25.KS, 46539.14) and
// Tokyo's 0.1-yen quotes keep their decimals.
func priceDecimals(m chartMeta, w window) int {
	d := 2
	if m.PriceHint != nil {
		d = min(max(*m.PriceHint, 0), market.MaxDecimals)
	}
	mkt := w.market
	if mkt == nil {
		if found, err := market.MarketOfYahooExchange(m.ExchangeName); err == nil {
			mkt = &found
		}
	}
	// Instruments stored before types were recorded are shares: the only
	// instruments marketd collected then.
	typ := cmp.Or(m.InstrumentType, w.typ, market.TypeEquity)
	if mkt != nil && mkt.WholeTick(typ) {
		d = 0
	}
	return d
}

// volume rounds a share count. A negative one is kept for the collector's
// sanity rule to skip with its row alone (market.DropBadBars).
func volume(v float64) (int64, error) {
	if math.IsNaN(v) || math.Abs(v) > 1<<53 {
		return 0, fmt.Errorf("%v is not a share count", v)
	}
	return int64(math.Round(v)), nil
}

// amount rounds a dividend to the seven significant digits a float32
// carries (Yahoo's numbers are float32s widened to float64), at most six
// decimals: priceHint is a display precision for prices and would turn a
// 0.205 dividend into 0.21.
func amount(f float64) (market.Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return 0, fmt.Errorf("%v is not an amount", f)
	}
	digits := 7 - int(math.Floor(math.Log10(f))) - 1
	return market.DecimalFromFloat(f, digits)
}

func (ev chartEvents) actions(symbol string, loc *time.Location) ([]market.Action, error) {
	var out []market.Action
	date := func(key string, stamp int64) (market.Date, error) {
		if stamp == 0 {
			var err error
			if stamp, err = strconv.ParseInt(key, 10, 64); err != nil {
				return 0, malformed(symbol, "event %q has no date", key)
			}
		}
		return market.DateOf(time.Unix(stamp, 0).In(loc)), nil
	}
	for key, div := range ev.Dividends {
		d, err := date(key, div.Date)
		if err != nil {
			return nil, err
		}
		if div.Amount == nil {
			return nil, malformed(symbol, "dividend on %s has no amount", d)
		}
		a, err := amount(*div.Amount)
		if err != nil {
			return nil, malformed(symbol, "dividend on %s: %v", d, err)
		}
		out = append(out, market.Action{Date: d, Kind: market.Dividend, Amount: a})
	}
	for key, sp := range ev.Splits {
		d, err := date(key, sp.Date)
		if err != nil {
			return nil, err
		}
		if sp.Numerator == nil || sp.Denominator == nil || *sp.Numerator <= 0 || *sp.Denominator <= 0 {
			return nil, malformed(symbol, "split on %s has no positive numerator and denominator", d)
		}
		num, err1 := market.DecimalFromFloat(*sp.Numerator, market.MaxDecimals)
		den, err2 := market.DecimalFromFloat(*sp.Denominator, market.MaxDecimals)
		if err := errors.Join(err1, err2); err != nil || num == 0 || den == 0 {
			return nil, malformed(symbol, "split on %s: %v:%v", d, *sp.Numerator, *sp.Denominator)
		}
		out = append(out, market.Action{Date: d, Kind: market.Split, Numerator: num, Denominator: den})
	}
	slices.SortFunc(out, func(a, b market.Action) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Amount, b.Amount), cmp.Compare(a.Numerator, b.Numerator))
	})
	return out, nil
}
