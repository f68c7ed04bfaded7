package main

import (
	"bufio"
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

// csvHeader is the export's CSV header; scripts depend on it exactly.
var csvHeader = []string{"source", "symbol", "date", "open", "high", "low", "close", "adj_close", "volume"}

// The widest range a DATE column holds, for "no --from/--to".
var (
	firstDate = market.NewDate(1000, 1, 1)
	lastDate  = market.NewDate(9999, 12, 31)
)

func newExportCmd(a *app) *cobra.Command {
	var source, symbols, from, to, format string
	cmd := &cobra.Command{
		Use:   "export --source S [--symbols A,B] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json]",
		Short: "Write stored bars to stdout as CSV or JSON",
		Long: `Write stored daily bars to stdout, ordered by symbol then date, streaming.
CSV has the header source,symbol,date,open,high,low,close,adj_close,volume; prices are
exact decimals without trailing zeros and a missing value is an empty field. JSON is
an array of objects with the same fields (numbers, null when missing).
Without --symbols every instrument of the source is exported; without --from/--to,
every date. The summary line goes to stderr.`,
		Example: `  marketd export --source naver --symbols 005930,000660 --from 2026-01-01 --to 2026-06-30
  marketd export --source yahoo --symbols AAPL --format json > aapl.json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSource(source); err != nil {
				return err
			}
			fromD, toD, err := parseRange(from, to)
			if err != nil {
				return err
			}
			var w rowWriter
			out := bufio.NewWriterSize(a.stdout, 64<<10)
			switch format {
			case "csv":
				w = newCSVWriter(out)
			case "json":
				w = &jsonWriter{w: out}
			default:
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
			if err := w.begin(); err != nil {
				return err
			}
			rows, syms := 0, 0
			var empty []string // symbols asked for that have no bars in the range
			last := ""
			emit := func(k market.Key, b market.Bar) error {
				if k.Symbol != last {
					last, syms = k.Symbol, syms+1
				}
				rows++
				return w.row(k, b)
			}
			if len(list) == 0 {
				err = st.ScanBars(ctx, source, fromD, toD, emit)
			} else {
				for _, s := range list {
					key := market.Key{Source: source, Symbol: s}
					bars, berr := st.Bars(ctx, key, fromD, toD)
					if berr != nil {
						err = berr
						break
					}
					if len(bars) == 0 {
						empty = append(empty, s)
					}
					for _, b := range bars {
						if err = emit(key, b); err != nil {
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
				return err
			}
			if err := w.end(); err != nil {
				return err
			}
			if err := out.Flush(); err != nil {
				return fmt.Errorf("export: writing stdout: %w", err)
			}
			noBars := ""
			if len(empty) > 0 {
				noBars = "; no bars in the range for " + strings.Join(empty, ", ")
			}
			writeSummary(a.stderr, "export: %d bars of %d symbols (%s, %s to %s, %s)%s",
				rows, syms, source, rangeText(from, fromD), rangeText(to, toD), format, noBars)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	f.StringVar(&symbols, "symbols", "", "comma-separated `symbols` (default: all of the source)")
	f.StringVar(&from, "from", "", "first `date`, YYYY-MM-DD (default: the earliest stored)")
	f.StringVar(&to, "to", "", "last `date`, YYYY-MM-DD (default: the latest stored)")
	f.StringVar(&format, "format", "csv", "output `format`: csv or json")
	return cmd
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

type rowWriter interface {
	begin() error
	row(market.Key, market.Bar) error
	end() error
}

type csvWriter struct {
	w      *csv.Writer
	fields []string
}

func newCSVWriter(w io.Writer) *csvWriter {
	return &csvWriter{w: csv.NewWriter(w), fields: make([]string, len(csvHeader))}
}

func (c *csvWriter) begin() error { return c.w.Write(csvHeader) }

func (c *csvWriter) row(k market.Key, b market.Bar) error {
	f := c.fields
	f[0], f[1], f[2] = k.Source, k.Symbol, b.Date.String()
	f[3], f[4], f[5] = nullDecimal(b.Open), nullDecimal(b.High), nullDecimal(b.Low)
	f[6], f[7] = b.Close.String(), nullDecimal(b.AdjClose)
	f[8] = ""
	if b.Volume.Valid {
		f[8] = strconv.FormatInt(b.Volume.V, 10)
	}
	return c.w.Write(f)
}

func (c *csvWriter) end() error {
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

// jsonWriter writes a JSON array with one bar per line, so it streams and
// stays readable by line-oriented tools.
type jsonWriter struct {
	w io.Writer
	n int
}

func (j *jsonWriter) begin() error {
	_, err := io.WriteString(j.w, "[")
	return err
}

func (j *jsonWriter) row(k market.Key, b market.Bar) error {
	v := jsonBar{Source: k.Source, Symbol: k.Symbol, Date: b.Date.String(), Close: json.Number(b.Close.String()),
		Open: jsonDecimal(b.Open), High: jsonDecimal(b.High), Low: jsonDecimal(b.Low), AdjClose: jsonDecimal(b.AdjClose)}
	if b.Volume.Valid {
		v.Volume = &b.Volume.V
	}
	data, err := json.Marshal(v)
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

func (j *jsonWriter) end() error {
	end := "]\n"
	if j.n > 0 {
		end = "\n]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}
