package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// The widest range a DATE column holds, for "no --from/--to".
var (
	firstDate = market.NewDate(1000, 1, 1)
	lastDate  = market.NewDate(9999, 12, 31)
)

func newExportCmd(a *app) *cobra.Command {
	var source, symbols, from, to, format string
	var actions bool
	cmd := &cobra.Command{
		Use:   "export --source S [--symbols A,B] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json] [--actions]",
		Short: "Write stored bars or corporate actions to stdout as CSV or JSON",
		Long: `Write stored daily bars to stdout, ordered by symbol then date, streaming.
CSV has the header source,symbol,date,open,high,low,close,adj_close,volume; prices are
exact decimals without trailing zeros and a missing value is an empty field. JSON is
an array of objects with the same fields (numbers, null when missing).
With --actions, write the corporate actions instead, ordered by symbol, ex-date then
kind, with the header source,symbol,ex_date,kind,amount,numerator,denominator. A
dividend has its amount per share and no numerator or denominator; a split of 4 for 1
has numerator 4, denominator 1 and no amount. A value that does not apply to the kind
is an empty field (JSON: null), never 0.
Without --symbols every instrument of the source is exported; without --from/--to,
every date (with --actions, every ex-date). The summary line goes to stderr.`,
		Example: `  marketd export --source naver --symbols 005930,000660 --from 2026-01-01 --to 2026-06-30
  marketd export --source yahoo --symbols AAPL --format json > aapl.json
  marketd export --source yahoo --symbols AAPL,MSFT --actions --from 2020-01-01`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSource(source); err != nil {
				return err
			}
			fromD, toD, err := parseRange(from, to)
			if err != nil {
				return err
			}
			if format != "csv" && format != "json" {
				return usagef("--format %q: want csv or json", format)
			}
			var list []string
			for s := range strings.SplitSeq(symbols, ",") {
				if s = normalizeSymbol(s); s != "" && !slices.Contains(list, s) {
					list = append(list, s)
				}
			}
			slices.Sort(list)

			ctx := cmd.Context()
			st, err := a.openStore(ctx, true)
			if err != nil {
				return err
			}
			if len(list) > 0 {
				known, err := st.Instruments(ctx, store.InstrumentFilter{Source: source, Symbols: list})
				if err != nil {
					return err
				}
				if missing := missingSymbols(list, known); len(missing) > 0 {
					return usagef("export: %s has no %s", source, strings.Join(missing, ", "))
				}
			}
			sel := exportSelection{source: source, symbols: list, from: fromD, to: toD, format: format}
			out := bufio.NewWriterSize(a.stdout, 64<<10)
			var n exportCount
			if actions {
				n, err = exportRows(ctx, out, sel, actionRows, st.ScanActions, st.Actions)
			} else {
				n, err = exportRows(ctx, out, sel, barRows, st.ScanBars, st.Bars)
			}
			if err != nil {
				return err
			}
			none := ""
			if len(n.empty) > 0 {
				none = fmt.Sprintf("; no %s in the range for %s", n.noun, strings.Join(n.empty, ", "))
			}
			writeSummary(a.stderr, "export: %d %s of %d symbols (%s, %s to %s, %s)%s",
				n.rows, n.noun, n.symbols, source, rangeText(from, fromD), rangeText(to, toD), format, none)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	f.StringVar(&symbols, "symbols", "", "comma-separated `symbols` (default: all of the source)")
	f.StringVar(&from, "from", "", "first `date`, YYYY-MM-DD (default: the earliest stored)")
	f.StringVar(&to, "to", "", "last `date`, YYYY-MM-DD (default: the latest stored)")
	f.StringVar(&format, "format", "csv", "output `format`: csv or json")
	f.BoolVar(&actions, "actions", false, "export corporate actions (dividends, splits) instead of bars")
	return cmd
}

// exportSelection is what the flags ask for; symbols is sorted, and empty
// means every instrument of the source.
type exportSelection struct {
	source   string
	symbols  []string
	from, to market.Date
	format   string
}

// exportCount is what an export wrote, for its summary line.
type exportCount struct {
	noun          string
	rows, symbols int
	empty         []string // symbols asked for that have no rows in the range
}

// exportRows streams the rows sel selects through rf's format: the whole
// source in one scan, or the symbols asked for one at a time.
func exportRows[T any](ctx context.Context, out *bufio.Writer, sel exportSelection, rf rowFormat[T],
	scan func(ctx context.Context, source string, from, to market.Date, fn func(market.Key, T) error) error,
	read func(ctx context.Context, key market.Key, from, to market.Date) ([]T, error),
) (exportCount, error) {
	n := exportCount{noun: rf.noun}
	var w rowWriter[T] = newCSVWriter(out, rf)
	if sel.format == "json" {
		w = &jsonWriter[T]{w: out, object: rf.json}
	}
	if err := w.begin(); err != nil {
		return n, err
	}
	last := ""
	emit := func(k market.Key, v T) error {
		if k.Symbol != last {
			last, n.symbols = k.Symbol, n.symbols+1
		}
		n.rows++
		return w.row(k, v)
	}
	var err error
	if len(sel.symbols) == 0 {
		err = scan(ctx, sel.source, sel.from, sel.to, emit)
	} else {
		for _, s := range sel.symbols {
			key := market.Key{Source: sel.source, Symbol: s}
			rows, rerr := read(ctx, key, sel.from, sel.to)
			if rerr != nil {
				err = rerr
				break
			}
			if len(rows) == 0 {
				n.empty = append(n.empty, s)
			}
			for _, v := range rows {
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
		return n, fmt.Errorf("export: writing stdout: %w", err)
	}
	return n, nil
}

func parseRange(from, to string) (market.Date, market.Date, error) {
	fromD, toD := firstDate, lastDate
	var err error
	if from != "" {
		if fromD, err = market.ParseDate(from); err != nil {
			return 0, 0, usagef("--from: %w", err)
		}
	}
	if to != "" {
		if toD, err = market.ParseDate(to); err != nil {
			return 0, 0, usagef("--to: %w", err)
		}
	}
	if fromD > toD {
		return 0, 0, usagef("--from %s is after --to %s", fromD, toD)
	}
	return fromD, toD, nil
}

func rangeText(flag string, d market.Date) string {
	if flag == "" {
		if d == firstDate {
			return "first"
		}
		return "last"
	}
	return d.String()
}

// rowFormat is how one kind of stored row is exported. The CSV header is
// what scripts depend on, exactly; the JSON object has the same fields.
type rowFormat[T any] struct {
	noun   string // in the summary: "2 bars of 1 symbols"
	header []string
	csv    func(fields []string, k market.Key, v T) // fills len(header) fields
	json   func(k market.Key, v T) any
}

var barRows = rowFormat[market.Bar]{
	noun:   "bars",
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
	noun:   "actions",
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
