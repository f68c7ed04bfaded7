package storetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// ReadQuery is one query of the README's "Reading the data" section, as
// an application runs it.
type ReadQuery struct {
	Name string // its first line, a comment
	SQL  string
	Args []any
}

// ReadQueries returns the SQL blocks of the "Reading the data" section of
// the README at path, each with arguments for source yahoo, symbol and the
// dates from..to. It fails tb on a block it has no arguments for: a query
// added to the README joins the plan test and the benchmark.
func ReadQueries(tb testing.TB, path, symbol string, from, to market.Date) []ReadQuery {
	tb.Helper()
	args := map[string][]any{
		"-- the latest bar of every instrument of a source": {market.SourceYahoo},
		"-- one instrument's bars over a range of dates":    {market.SourceYahoo, symbol, from.String(), to.String()},
		"-- the adjusted series of one instrument":          {market.SourceYahoo, symbol, from.String(), to.String()},
		"-- one instrument's dividends and splits":          {market.SourceYahoo, symbol, from.String(), to.String()},
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []ReadQuery
	var block []string
	in, inSQL := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## Reading the data"
		case in && line == "```sql":
			inSQL, block = true, block[:0]
		case inSQL && line == "```":
			inSQL = false
			q := ReadQuery{Name: block[0], SQL: strings.Join(block[1:], "\n")}
			var ok bool
			if q.Args, ok = args[q.Name]; !ok {
				tb.Fatalf("%s: no arguments for the query %q", path, q.Name)
			}
			if n := strings.Count(q.SQL, "?"); n != len(q.Args) {
				tb.Fatalf("%s: query %q has %d placeholders, want %d", path, q.Name, n, len(q.Args))
			}
			out = append(out, q)
		case inSQL:
			block = append(block, line)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) != len(args) {
		tb.Fatalf("%s: %d queries in Reading the data, want %d", path, len(out), len(args))
	}
	return out
}

// SeedReads writes what the read-plan tests explain their queries on:
// enough instruments and bars that a planner prefers the keys to a scan
// the way it does at full size, with a few dividends and splits.
func SeedReads(t *testing.T, s *store.Store) {
	t.Helper()
	var batch []store.Write
	start := market.NewDate(2020, 1, 1)
	for i := range 40 {
		w := store.Write{Key: market.Key{Source: market.SourceYahoo, Symbol: fmt.Sprintf("S%04d", i)}}
		for d := range 250 {
			c := market.Decimal(10_000_000 + i*1000 + d)
			w.Bars = append(w.Bars, market.Bar{Date: start.AddDays(d), Open: market.Some(c), High: market.Some(c + 10),
				Low: market.Some(c - 10), Close: c, AdjClose: market.Some(c - 100), Volume: market.Some(int64(d))})
		}
		w.Actions = []market.Action{
			{Date: start.AddDays(12), Kind: market.Dividend, Amount: market.Decimal(240_000)},
			{Date: start.AddDays(15), Kind: market.Split, Numerator: market.DecimalFromInt(4), Denominator: market.DecimalFromInt(1)},
		}
		batch = append(batch, w)
		w.Key.Source = market.SourceNaver // another source, beside it in the keys
		batch = append(batch, w)
	}
	if _, err := s.Write(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

// ReadPlans seeds s (SeedReads), runs each query of the README at path,
// checking the rows it returns, and fails t when plan, the dialect's
// reading of the query's EXPLAIN, finds it does not use the key.
func ReadPlans(t *testing.T, s *store.Store, path string, plan func(q ReadQuery) error) {
	SeedReads(t, s)
	rows := map[string]int{
		"-- the latest bar of every instrument of a source": 40,
		"-- one instrument's bars over a range of dates":    10,
		"-- the adjusted series of one instrument":          10,
		"-- one instrument's dividends and splits":          2,
	}
	for _, q := range ReadQueries(t, path, "S0007", market.NewDate(2020, 1, 10), market.NewDate(2020, 1, 19)) {
		t.Run(strings.TrimPrefix(q.Name, "-- "), func(t *testing.T) {
			n := countRows(t, s, q)
			if n != rows[q.Name] {
				t.Errorf("%d rows, want %d", n, rows[q.Name])
			}
			if err := plan(q); err != nil {
				t.Errorf("plan: %v\n%s", err, q.SQL)
			}
		})
	}
}

func countRows(t *testing.T, s *store.Store, q ReadQuery) int {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), q.SQL, q.Args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}
