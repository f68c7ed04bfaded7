// Package export writes stored daily bars and corporate actions as CSV or
// JSON, streaming, in the forms scripts depend on: the CSV headers exactly,
// exact decimals without trailing zeros, and a missing value as an empty
// field (JSON: null), never 0.
package export

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/marketd/marketd/sources/market"
)

// Selection is what to export: the rows of Source's instruments dated From
// to To. Symbols, sorted, limits it to those instruments, read one at a
// time; empty exports the whole source in one scan.
type Selection struct {
	Source   string
	Symbols  []string
	From, To market.Date
	JSON     bool // a JSON array; else CSV
}

// Count is what an export wrote, for its summary line.
type Count struct {
	Noun          string // "bar" or "action"
	Rows, Symbols int
	Empty         []string // symbols asked for that have no rows in the range
}

// BarStore is what Bars reads (*store.Store).
type BarStore interface {
	ScanBars(ctx context.Context, source string, from, to market.Date, fn func(market.Key, market.Bar) error) error
	Bars(ctx context.Context, key market.Key, from, to market.Date) ([]market.Bar, error)
}

// ActionStore is what Actions reads (*store.Store).
type ActionStore interface {
	ScanActions(ctx context.Context, source string, from, to market.Date, fn func(market.Key, market.Action) error) error
	Actions(ctx context.Context, key market.Key, from, to market.Date) ([]market.Action, error)
}

// Bars writes the selected bars to w, ordered by symbol then date, with
// the header source,symbol,date,open,high,low,close,adj_close,volume.
func Bars(ctx context.Context, w io.Writer, st BarStore, sel Selection) (Count, error) {
	return rows(ctx, w, sel, barRows, st.ScanBars, st.Bars)
}

// Actions writes the selected corporate actions to w, ordered by symbol,
// ex-date then kind, with the header
// source,symbol,ex_date,kind,amount,numerator,denominator.
func Actions(ctx context.Context, w io.Writer, st ActionStore, sel Selection) (Count, error) {
	return rows(ctx, w, sel, actionRows, st.ScanActions, st.Actions)
}

// rows streams the rows sel selects through rf's format: the whole
// source in one scan, or the symbols asked for one at a time.
func rows[T any](ctx context.Context, dst io.Writer, sel Selection, rf rowFormat[T],
	scan func(ctx context.Context, source string, from, to market.Date, fn func(market.Key, T) error) error,
	read func(ctx context.Context, key market.Key, from, to market.Date) ([]T, error),
) (Count, error) {
	out := bufio.NewWriterSize(dst, 64<<10)
	n := Count{Noun: rf.noun}
	var w rowWriter[T] = newCSVWriter(out, rf)
	if sel.JSON {
		w = &jsonWriter[T]{w: out, object: rf.json}
	}
	if err := w.begin(); err != nil {
		return n, err
	}
	last := ""
	emit := func(k market.Key, v T) error {
		if k.Symbol != last {
			last, n.Symbols = k.Symbol, n.Symbols+1
		}
		n.Rows++
		return w.row(k, v)
	}
	var err error
	if len(sel.Symbols) == 0 {
		err = scan(ctx, sel.Source, sel.From, sel.To, emit)
	} else {
		for _, s := range sel.Symbols {
			key := market.Key{Source: sel.Source, Symbol: s}
			got, rerr := read(ctx, key, sel.From, sel.To)
			if rerr != nil {
				err = rerr
				break
			}
			if len(got) == 0 {
				n.Empty = append(n.Empty, s)
			}
			for _, v := range got {
				if err = emit(key, v); err != nil {
					break
				}
			}
			if err == nil {
				err = out.Flush() // one symbol's worth at a time
			}
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		return n, err
	}
	if err := w.end(); err != nil {
		return n, err
	}
	if err := out.Flush(); err != nil {
		return n, fmt.Errorf("export: writing: %w", err)
	}
	return n, nil
}

// rowFormat is how one kind of stored row is exported. The CSV header is
// what scripts depend on, exactly; the JSON object has the same fields.
type rowFormat[T any] struct {
	noun   string // what one row is, for the summary: "bar"
	header []string
	csv    func(fields []string, k market.Key, v T) // fills len(header) fields
	json   func(k market.Key, v T) any
}

var barRows = rowFormat[market.Bar]{
	noun:   "bar",
	header: []string{"source", "symbol", "date", "open", "high", "low", "close", "adj_close", "volume"},
	csv: func(f []string, k market.Key, b market.Bar) {
		f[0], f[1], f[2] = k.Source, k.Symbol, b.Date.String()
		f[3], f[4], f[5] = nullDecimal(b.Open), nullDecimal(b.High), nullDecimal(b.Low)
		f[6], f[7] = b.Close.String(), nullDecimal(b.AdjClose)
		f[8] = ""
		if b.Volume.Valid {
			f[8] = strconv.FormatInt(b.Volume.V, 10)
		}
	},
	json: func(k market.Key, b market.Bar) any {
		v := jsonBar{Source: k.Source, Symbol: k.Symbol, Date: b.Date.String(), Close: json.Number(b.Close.String()),
			Open: jsonDecimal(b.Open), High: jsonDecimal(b.High), Low: jsonDecimal(b.Low), AdjClose: jsonDecimal(b.AdjClose)}
		if b.Volume.Valid {
			v.Volume = &b.Volume.V
		}
		return v
	},
}

type jsonBar struct {
	Source   string       `json:"source"`
	Symbol   string       `json:"symbol"`
	Date     string       `json:"date"`
	Open     *json.Number `json:"open"`
	High     *json.Number `json:"high"`
	Low      *json.Number `json:"low"`
	Close    json.Number  `json:"close"`
	AdjClose *json.Number `json:"adj_close"`
	Volume   *int64       `json:"volume"`
}

var actionRows = rowFormat[market.Action]{
	noun:   "action",
	header: []string{"source", "symbol", "ex_date", "kind", "amount", "numerator", "denominator"},
	csv: func(f []string, k market.Key, a market.Action) {
		amt, num, den := actionValues(a)
		f[0], f[1], f[2], f[3] = k.Source, k.Symbol, a.Date.String(), string(a.Kind)
		f[4], f[5], f[6] = nullDecimal(amt), nullDecimal(num), nullDecimal(den)
	},
	json: func(k market.Key, a market.Action) any {
		amt, num, den := actionValues(a)
		return jsonAction{Source: k.Source, Symbol: k.Symbol, ExDate: a.Date.String(), Kind: string(a.Kind),
			Amount: jsonDecimal(amt), Numerator: jsonDecimal(num), Denominator: jsonDecimal(den)}
	},
}

// actionValues returns the values that apply to a's kind. The store keeps 0
// in the columns that do not (a split's amount, a dividend's ratio), which
// an export must not pass off as a value; a kind this build does not know
// keeps all three, as stored.
func actionValues(a market.Action) (amount, numerator, denominator sql.Null[market.Decimal]) {
	var none sql.Null[market.Decimal]
	switch a.Kind {
	case market.Dividend:
		return market.Some(a.Amount), none, none
	case market.Split:
		return none, market.Some(a.Numerator), market.Some(a.Denominator)
	}
	return market.Some(a.Amount), market.Some(a.Numerator), market.Some(a.Denominator)
}

type jsonAction struct {
	Source      string       `json:"source"`
	Symbol      string       `json:"symbol"`
	ExDate      string       `json:"ex_date"`
	Kind        string       `json:"kind"`
	Amount      *json.Number `json:"amount"`
	Numerator   *json.Number `json:"numerator"`
	Denominator *json.Number `json:"denominator"`
}

type rowWriter[T any] interface {
	begin() error
	row(market.Key, T) error
	end() error
}

type csvWriter[T any] struct {
	w      *csv.Writer
	rf     rowFormat[T]
	fields []string
}

func newCSVWriter[T any](w io.Writer, rf rowFormat[T]) *csvWriter[T] {
	return &csvWriter[T]{w: csv.NewWriter(w), rf: rf, fields: make([]string, len(rf.header))}
}

func (c *csvWriter[T]) begin() error { return c.w.Write(c.rf.header) }

func (c *csvWriter[T]) row(k market.Key, v T) error {
	c.rf.csv(c.fields, k, v)
	return c.w.Write(c.fields)
}

func (c *csvWriter[T]) end() error {
	c.w.Flush()
	return c.w.Error()
}

// nullDecimal formats a missing value as an empty field, never as 0.
func nullDecimal(d sql.Null[market.Decimal]) string {
	if !d.Valid {
		return ""
	}
	return d.V.String()
}

func jsonDecimal(d sql.Null[market.Decimal]) *json.Number {
	if !d.Valid {
		return nil
	}
	n := json.Number(d.V.String())
	return &n
}

// jsonWriter writes a JSON array with one object per line, so it streams
// and stays readable by line-oriented tools.
type jsonWriter[T any] struct {
	w      io.Writer
	object func(market.Key, T) any
	n      int
}

func (j *jsonWriter[T]) begin() error {
	_, err := io.WriteString(j.w, "[")
	return err
}

func (j *jsonWriter[T]) row(k market.Key, v T) error {
	data, err := json.Marshal(j.object(k, v))
	if err != nil {
		return err
	}
	sep := ",\n"
	if j.n == 0 {
		sep = "\n"
	}
	j.n++
	if _, err := io.WriteString(j.w, sep); err != nil {
		return err
	}
	_, err = j.w.Write(data)
	return err
}

func (j *jsonWriter[T]) end() error {
	end := "]\n"
	if j.n > 0 {
		end = "\n]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}
