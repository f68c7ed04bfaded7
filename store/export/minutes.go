package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// MinuteStore is what Minutes reads (*store.Store).
type MinuteStore interface {
	MinuteBars(ctx context.Context, key market.Key, iv market.Interval, from, to time.Time) ([]market.MinuteBar, error)
}

// MinuteRequest is one export of minute bars as marketd export
// --interval asks for it.
type MinuteRequest struct {
	Source   string
	Symbols  []string // normalized and sorted; none: every instrument of the source
	Interval market.Interval
	// From and To are session dates in each exchange's zone; 0 leaves
	// that end open.
	From, To market.Date
	JSON     bool
}

// MinuteExportStore is what RunMinutes reads (*store.Store).
type MinuteExportStore interface {
	MinuteStore
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
}

// RunMinutes writes the minute bars req selects to w (Minutes) and returns
// the summary line of what it wrote. The caller has checked that the
// source has the symbols asked for.
func RunMinutes(ctx context.Context, w io.Writer, st MinuteExportStore, req MinuteRequest) (string, error) {
	insts, err := st.Instruments(ctx, store.InstrumentFilter{Source: req.Source, Symbols: req.Symbols})
	if err != nil {
		return "", err
	}
	sel := Selection{Source: req.Source, Symbols: req.Symbols, From: req.From, To: req.To, JSON: req.JSON}
	if len(sel.Symbols) == 0 {
		for _, in := range insts {
			sel.Symbols = append(sel.Symbols, in.Symbol)
		}
	}
	n, err := Minutes(ctx, w, st, sel, req.Interval, insts)
	if err != nil {
		return "", err
	}
	none := ""
	if len(req.Symbols) > 0 && len(n.Empty) > 0 { // with the whole source, most have none
		none = fmt.Sprintf("; no %ss in the range for %s", n.Noun, strings.Join(n.Empty, ", "))
	}
	format := "csv"
	if req.JSON {
		format = "json"
	}
	return fmt.Sprintf("export: %s of %s (%s, %s, %s to %s, %s)%s", plural(n.Rows, n.Noun), plural(n.Symbols, "symbol"), req.Source, req.Interval,
		dateOr(req.From, "first"), dateOr(req.To, "last"), format, none), nil
}

// dateOr is d, or open when d is 0 (the range is open at that end).
func dateOr(d market.Date, open string) string {
	if d == 0 {
		return open
	}
	return d.String()
}

// minuteRow is one minute bar with what it is shown in.
type minuteRow struct {
	bar market.MinuteBar
	iv  market.Interval
	loc *time.Location
}

// Minutes writes the bars of interval iv of insts (sel.Symbols, sorted,
// names them; sel.Source is theirs) whose session date, in the exchange's
// zone, is in sel.From..sel.To (a zero bound leaves that end open),
// ordered by symbol then start, with the header
// source,symbol,interval,start,open,high,low,close,volume. A start is
// shown in the exchange's zone with its offset (2026-10-05T09:00:00+09:00):
// stored in UTC, it reads as the exchange's clock.
func Minutes(ctx context.Context, w io.Writer, st MinuteStore, sel Selection, iv market.Interval, insts []market.Instrument) (Count, error) {
	if !iv.Intraday() {
		return Count{}, fmt.Errorf("export: interval %s is not intraday (want 1m, 5m or 60m)", iv)
	}
	locs := make(map[string]*time.Location, len(insts))
	for _, in := range insts {
		locs[in.Symbol] = market.ZoneOf(in.Market)
	}
	read := func(ctx context.Context, key market.Key, from, to market.Date) ([]minuteRow, error) {
		loc, ok := locs[key.Symbol]
		if !ok {
			return nil, fmt.Errorf("export: %s is not among the instruments to export", key)
		}
		var lo, hi time.Time
		if from != 0 {
			lo = from.In(loc)
		}
		if to != 0 {
			hi = to.AddDays(1).In(loc)
		}
		bars, err := st.MinuteBars(ctx, key, iv, lo, hi)
		if err != nil {
			return nil, err
		}
		out := make([]minuteRow, len(bars))
		for i, b := range bars {
			out[i] = minuteRow{b, iv, loc}
		}
		return out, nil
	}
	// The symbols are always named: a source's minutes are read one
	// instrument at a time, in its own zone.
	none := func(context.Context, string, market.Date, market.Date, func(market.Key, minuteRow) error) error {
		return nil
	}
	return rows(ctx, w, sel, minuteRows, none, read)
}

var minuteRows = rowFormat[minuteRow]{
	noun:   "minute bar",
	header: []string{"source", "symbol", "interval", "start", "open", "high", "low", "close", "volume"},
	csv: func(f []string, k market.Key, r minuteRow) {
		b := r.bar
		f[0], f[1], f[2], f[3] = k.Source, k.Symbol, r.iv.String(), b.Start.In(r.loc).Format(time.RFC3339)
		f[4], f[5], f[6], f[7] = nullDecimal(b.Open), nullDecimal(b.High), nullDecimal(b.Low), b.Close.String()
		f[8] = ""
		if b.Volume.Valid {
			f[8] = strconv.FormatInt(b.Volume.V, 10)
		}
	},
	json: func(k market.Key, r minuteRow) any {
		b := r.bar
		v := jsonMinute{Source: k.Source, Symbol: k.Symbol, Interval: r.iv.String(), Start: b.Start.In(r.loc).Format(time.RFC3339),
			Open: jsonDecimal(b.Open), High: jsonDecimal(b.High), Low: jsonDecimal(b.Low), Close: json.Number(b.Close.String())}
		if b.Volume.Valid {
			v.Volume = &b.Volume.V
		}
		return v
	},
}

type jsonMinute struct {
	Source   string       `json:"source"`
	Symbol   string       `json:"symbol"`
	Interval string       `json:"interval"`
	Start    string       `json:"start"`
	Open     *json.Number `json:"open"`
	High     *json.Number `json:"high"`
	Low      *json.Number `json:"low"`
	Close    json.Number  `json:"close"`
	Volume   *int64       `json:"volume"`
}

// plural counts things in words: "1 symbol", "2 symbols".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
