package main

import (
	"fmt"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

func seedExport(t *testing.T) []string {
	t.Helper()
	env, path := tempDB(t)
	aapl := market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	msft := market.Key{Source: market.SourceYahoo, Symbol: "MSFT"}
	sams := market.Key{Source: market.SourceNaver, Symbol: "005930"}
	d := market.NewDate
	full := func(date market.Date, o, h, l, c, adj string, v int64) market.Bar {
		return market.Bar{Date: date, Open: market.Some(dec(o)), High: market.Some(dec(h)), Low: market.Some(dec(l)),
			Close: dec(c), AdjClose: market.Some(dec(adj)), Volume: market.Some(v)}
	}
	div := func(date market.Date, amount string) market.Action {
		return market.Action{Date: date, Kind: market.Dividend, Amount: dec(amount)}
	}
	split := func(date market.Date, num, den string) market.Action {
		return market.Action{Date: date, Kind: market.Split, Numerator: dec(num), Denominator: dec(den)}
	}
	seed(t, path,
		[]market.Instrument{
			{Key: aapl, Market: market.XNYS, Active: true},
			{Key: msft, Market: market.XNYS, Active: true},
			{Key: sams, Market: market.XKRX, Board: "KOSPI", Active: true},
		},
		[]store.Write{
			{Key: msft, Bars: []market.Bar{full(d(2020, 8, 31), "227", "228.7", "224.31", "225.53", "219.8", 28774200)},
				Actions: []market.Action{div(d(2020, 8, 19), "0.51")}},
			{Key: aapl, Actions: []market.Action{
				div(d(2020, 8, 7), "0.2050"), // stored exactly, written without the trailing zero
				split(d(2020, 8, 31), "4", "1"),
				div(d(2020, 8, 31), "0.82"), // same ex-date: dividend before split
				div(d(2020, 11, 6), "0.205"),
			}, Bars: []market.Bar{
				full(d(2020, 8, 28), "126.01", "126.44", "124.58", "124.81", "122.4", 187630000),
				full(d(2020, 8, 31), "127.58", "131", "126", "129.04", "126.546", 225702700),
				// No adjusted close from the source: an empty field, never 0.
				{Date: d(2020, 9, 1), Open: market.Some(dec("132.76")), High: market.Some(dec("134.8")),
					Low: market.Some(dec("130.53")), Close: dec("134.18"), Volume: market.Some(int64(151948100))},
			}},
			{Key: sams, Actions: []market.Action{split(d(2018, 5, 4), "50", "1")}, Bars: []market.Bar{
				full(d(2026, 11, 19), "275000", "281500", "273000", "280000", "280000", 15234567),
				// A halted session: close carried over, open/high/low missing, volume 0.
				{Date: d(2026, 11, 20), Close: dec("280000"), Volume: market.Some(int64(0)), Halted: true},
			}},
		})
	return env
}

// exportCase is one successful export and its exact output.
type exportCase struct {
	name           string
	args           []string
	stdout, stderr string
}

func runExports(t *testing.T, env []string, tests []exportCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := marketd(t, env, tt.args...)
			if r.code != cli.ExitOK {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if r.stdout != tt.stdout {
				t.Errorf("stdout\n%s\nwant\n%s", r.stdout, tt.stdout)
			}
			if r.stderr != tt.stderr {
				t.Errorf("stderr %q, want %q", r.stderr, tt.stderr)
			}
		})
	}
}

func TestExport(t *testing.T) {
	env := seedExport(t)
	tests := []exportCase{
		{
			name: "csv, symbols given out of order",
			args: []string{"export", "--source", "yahoo", "--symbols", "MSFT,AAPL", "--from", "2020-08-31", "--to", "2020-09-01"},
			stdout: "source,symbol,date,open,high,low,close,adj_close,volume\n" +
				"yahoo,AAPL,2020-08-31,127.58,131,126,129.04,126.546,225702700\n" +
				"yahoo,AAPL,2020-09-01,132.76,134.8,130.53,134.18,,151948100\n" +
				"yahoo,MSFT,2020-08-31,227,228.7,224.31,225.53,219.8,28774200\n",
			stderr: "export: 3 bars of 2 symbols (yahoo, 2020-08-31 to 2020-09-01, csv)\n",
		},
		{
			name: "csv, every symbol of the source, halted day",
			args: []string{"export", "--source", "naver"},
			stdout: "source,symbol,date,open,high,low,close,adj_close,volume\n" +
				"naver,005930,2026-11-19,275000,281500,273000,280000,280000,15234567\n" +
				"naver,005930,2026-11-20,,,,280000,,0\n",
			stderr: "export: 2 bars of 1 symbol (naver, first to last, csv)\n",
		},
		{
			name: "csv, all symbols with a range",
			args: []string{"export", "--source", "yahoo", "--from", "2020-08-29", "--to", "2020-08-31"},
			stdout: "source,symbol,date,open,high,low,close,adj_close,volume\n" +
				"yahoo,AAPL,2020-08-31,127.58,131,126,129.04,126.546,225702700\n" +
				"yahoo,MSFT,2020-08-31,227,228.7,224.31,225.53,219.8,28774200\n",
			stderr: "export: 2 bars of 2 symbols (yahoo, 2020-08-29 to 2020-08-31, csv)\n",
		},
		{
			name: "json",
			args: []string{"export", "--source", "naver", "--symbols", "005930", "--format", "json"},
			stdout: "[\n" +
				`{"source":"naver","symbol":"005930","date":"2026-11-19","open":275000,"high":281500,"low":273000,"close":280000,"adj_close":280000,"volume":15234567},` + "\n" +
				`{"source":"naver","symbol":"005930","date":"2026-11-20","open":null,"high":null,"low":null,"close":280000,"adj_close":null,"volume":0}` + "\n" +
				"]\n",
			stderr: "export: 2 bars of 1 symbol (naver, first to last, json)\n",
		},
		{
			name:   "json, nothing in range",
			args:   []string{"export", "--source", "naver", "--symbols", "005930", "--from", "2000-01-01", "--to", "2000-12-31", "--format", "json"},
			stdout: "[]\n",
			stderr: "export: 0 bars of 0 symbols (naver, 2000-01-01 to 2000-12-31, json); no bars in the range for 005930\n",
		},
		{
			name: "csv, one symbol without bars in the range",
			args: []string{"export", "--source", "yahoo", "--symbols", "AAPL,MSFT", "--from", "2020-09-01", "--to", "2020-09-30"},
			stdout: "source,symbol,date,open,high,low,close,adj_close,volume\n" +
				"yahoo,AAPL,2020-09-01,132.76,134.8,130.53,134.18,,151948100\n",
			stderr: "export: 1 bar of 1 symbol (yahoo, 2020-09-01 to 2020-09-30, csv); no bars in the range for MSFT\n",
		},
	}
	runExports(t, env, tests)
}

func TestExportActions(t *testing.T) {
	env := seedExport(t)
	const header = "source,symbol,ex_date,kind,amount,numerator,denominator\n"
	tests := []exportCase{
		{
			name: "csv, symbols given out of order, a range",
			args: []string{"export", "--actions", "--source", "yahoo", "--symbols", "MSFT,AAPL", "--from", "2020-08-01", "--to", "2020-09-30"},
			stdout: header +
				"yahoo,AAPL,2020-08-07,dividend,0.205,,\n" +
				"yahoo,AAPL,2020-08-31,dividend,0.82,,\n" +
				"yahoo,AAPL,2020-08-31,split,,4,1\n" +
				"yahoo,MSFT,2020-08-19,dividend,0.51,,\n",
			stderr: "export: 4 actions of 2 symbols (yahoo, 2020-08-01 to 2020-09-30, csv)\n",
		},
		{
			name:   "csv, every symbol of the source",
			args:   []string{"export", "--source", "naver", "--actions"},
			stdout: header + "naver,005930,2018-05-04,split,,50,1\n",
			stderr: "export: 1 action of 1 symbol (naver, first to last, csv)\n",
		},
		{
			name: "json, every symbol of the source",
			args: []string{"export", "--source", "yahoo", "--actions", "--format", "json"},
			stdout: "[\n" +
				`{"source":"yahoo","symbol":"AAPL","ex_date":"2020-08-07","kind":"dividend","amount":0.205,"numerator":null,"denominator":null},` + "\n" +
				`{"source":"yahoo","symbol":"AAPL","ex_date":"2020-08-31","kind":"dividend","amount":0.82,"numerator":null,"denominator":null},` + "\n" +
				`{"source":"yahoo","symbol":"AAPL","ex_date":"2020-08-31","kind":"split","amount":null,"numerator":4,"denominator":1},` + "\n" +
				`{"source":"yahoo","symbol":"AAPL","ex_date":"2020-11-06","kind":"dividend","amount":0.205,"numerator":null,"denominator":null},` + "\n" +
				`{"source":"yahoo","symbol":"MSFT","ex_date":"2020-08-19","kind":"dividend","amount":0.51,"numerator":null,"denominator":null}` + "\n" +
				"]\n",
			stderr: "export: 5 actions of 2 symbols (yahoo, first to last, json)\n",
		},
		{
			name:   "csv, one symbol without actions in the range",
			args:   []string{"export", "--actions", "--source", "yahoo", "--symbols", "AAPL,MSFT", "--from", "2020-09-01"},
			stdout: header + "yahoo,AAPL,2020-11-06,dividend,0.205,,\n",
			stderr: "export: 1 action of 1 symbol (yahoo, 2020-09-01 to last, csv); no actions in the range for MSFT\n",
		},
		{
			name:   "json, nothing in range",
			args:   []string{"export", "--actions", "--source", "naver", "--symbols", "005930", "--from", "2020-01-01", "--format", "json"},
			stdout: "[]\n",
			stderr: "export: 0 actions of 0 symbols (naver, 2020-01-01 to last, json); no actions in the range for 005930\n",
		},
	}
	runExports(t, env, tests)
}

func TestExportErrors(t *testing.T) {
	env := seedExport(t)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"export", "--source", "yahoo", "--symbols", "AAPL,NOPE,ZZZ"}, cli.ExitUsage, "marketd: export: yahoo has no NOPE, ZZZ\n"},
		{[]string{"export", "--source", "yahoo", "--from", "2020-09-02", "--to", "2020-09-01"}, cli.ExitUsage, "marketd: --from 2020-09-02 is after --to 2020-09-01\n"},
		{[]string{"export", "--actions", "--source", "naver", "--symbols", "005930,000660"}, cli.ExitUsage, "marketd: export: naver has no 000660\n"},
		{[]string{"export", "--actions", "--source", "yahoo", "--format", "xml"}, cli.ExitUsage, "marketd: --format \"xml\": want csv or json\n"},
	}
	for _, tt := range tests {
		r := marketd(t, env, tt.args...)
		if r.code != tt.code || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.args, r.code, r.stdout, r.stderr, tt.code, tt.stderr)
		}
	}
}

func TestStatusAndMigrate(t *testing.T) {
	versions := migrationVersions(t, "sqlite") // before seedExport leaves the source tree
	latest := versions[len(versions)-1]
	env := seedExport(t)
	r := marketd(t, append(env, "MARKETD_DATABASE_AUTO_MIGRATE=false"), "migrate")
	if r.code != cli.ExitOK || !regexpMatch(fmt.Sprintf(`^migrate: schema of sqlite:.*marketd\.db was up to date \(version %d\)\n$`, latest), r.stdout) {
		t.Errorf("migrate: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	fresh, _ := tempDB(t)
	r = marketd(t, append(fresh, "MARKETD_DATABASE_AUTO_MIGRATE=false"), "migrate")
	if r.code != cli.ExitOK || !regexpMatch(fmt.Sprintf(`^migrate: schema of sqlite:.*marketd\.db migrated from version 0 to %d\n$`, latest), r.stdout) {
		t.Errorf("migrate of a new database: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketd(t, env, "status")
	if r.code != cli.ExitOK {
		t.Fatalf("status: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		// No watermarks: every active instrument is behind.
		"XKRX    naver   1            1       1          2026-11-20  0      1       -\n",
		"XNYS    yahoo   2            2       2          2020-09-01  0      2       -\n",
		"collect             never",
		"collect-krx         never",
		"collect-yahoo       never",
		"live-naver          never",
		"status: 3 instruments (3 active) in 2 market/source groups; latest bar 2026-11-20\n",
	} {
		if !contains(r.stdout, want) {
			t.Errorf("status output lacks %q:\n%s", want, r.stdout)
		}
	}
}
