package main

import (
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// seedKOSDAQ stores naver 247540 on KOSDAQ with a bar on every session of
// seedSessions' window but 2026-10-01.
func seedKOSDAQ(t *testing.T, path string) {
	t.Helper()
	cal, err := calendar.For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	k := market.Key{Source: market.SourceNaver, Symbol: "247540"}
	w := store.Write{Key: k}
	for _, d := range cal.Sessions(20260915, 20261008) {
		if d != 20261001 {
			c := market.DecimalFromInt(300000)
			w.Bars = append(w.Bars, market.Bar{Date: d, Open: market.Some(c), High: market.Some(c), Low: market.Some(c), Close: c, Volume: market.Some(int64(10))})
		}
	}
	w.Watermark = w.Bars[len(w.Bars)-1].Date
	seed(t, path, []market.Instrument{{Key: k, Market: market.XKRX, Board: "KOSDAQ", Active: true}}, []store.Write{w})
}

const gapsHeader = "KIND                 WHO              DATES                  SESSIONS  DETAIL\n"

// Bad bars are listed with the gaps, and leave the list once acknowledged.
func TestGapsListBadBars(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, map[string][]market.Date{"005930": {20260929}})
	// 000660's 2026-10-06 bar again, with its high below its close.
	c, w := market.DecimalFromInt(101200), market.DecimalFromInt(100)
	seed(t, path, nil, []store.Write{{Key: market.Key{Source: market.SourceNaver, Symbol: "000660"},
		Bars: []market.Bar{{Date: 20261006, Open: market.Some(c), High: market.Some(c - w), Low: market.Some(c - 5*w), Close: c, Volume: market.Some(int64(5))}}}})
	gap := "gap                  naver 005930     2026-09-29                    1  missing\n"
	badBar := "bad bar              naver 000660     2026-10-06                       high 101100 is below max(open, close) 101200\n"
	r := marketdAt(t, validateNow, env, "gaps", "list", "--lookback", "15")
	if want := gapsHeader + gap + badBar; r.code != cli.ExitOK || r.stdout != want || r.stderr != "1 open gap or stale instrument, 1 bad bar, 0 acknowledged\n" {
		t.Errorf("gaps list: exit %d\nstdout:\n%s\nstderr: %q\nwant stdout:\n%s", r.code, r.stdout, r.stderr, want)
	}
	if r := marketdAt(t, validateNow, env, "gaps", "ack", "naver", "000660", "2026-10-06", "--reason", "exchange print"); r.code != cli.ExitOK {
		t.Fatalf("gaps ack: exit %d: %s", r.code, r.stderr)
	}
	r = marketdAt(t, validateNow, env, "gaps", "list", "--lookback", "15")
	ack := "acknowledged         naver 000660     2026-10-06                       exchange print\n"
	if want := gapsHeader + gap + ack; r.code != cli.ExitOK || r.stdout != want || r.stderr != "1 open gap or stale instrument, 0 bad bars, 1 acknowledged\n" {
		t.Errorf("gaps list after the ack: exit %d\nstdout:\n%s\nstderr: %q\nwant stdout:\n%s", r.code, r.stdout, r.stderr, want)
	}
	r = marketdAt(t, validateNow, env, "gaps", "unack", "naver", "000660", "2026-10-01..2026-10-08")
	if want := "removed 1 acknowledgement of naver 000660\n"; r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("gaps unack: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
}

func TestGapsListMarketSelectsBoard(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, map[string][]market.Date{"005930": {20260929, 20260930}})
	seedKOSDAQ(t, path)
	for _, ack := range [][]string{
		{"gaps", "ack", "naver", "005930", "2026-09-15", "--reason", "kospi"},
		{"gaps", "ack", "naver", "247540", "2026-09-15", "--reason", "kosdaq"},
	} {
		if r := marketdAt(t, validateNow, env, ack...); r.code != cli.ExitOK {
			t.Fatalf("%v: exit %d: %s", ack, r.code, r.stderr)
		}
	}
	kospi := "gap                  naver 005930     2026-09-29..2026-09-30        2  missing\n"
	kosdaq := "gap                  naver 247540     2026-10-01                    1  missing\n"
	kospiAck := "acknowledged         naver 005930     2026-09-15                       kospi\n"
	kosdaqAck := "acknowledged         naver 247540     2026-09-15                       kosdaq\n"
	for _, tt := range []struct {
		market, stdout, stderr string
	}{
		{"KOSDAQ", gapsHeader + kosdaq + kosdaqAck, "1 open gap or stale instrument, 0 bad bars, 1 acknowledged\n"},
		{"kospi", gapsHeader + kospi + kospiAck, "1 open gap or stale instrument, 0 bad bars, 1 acknowledged\n"},
		{"XKRX", gapsHeader + kospi + kosdaq + kospiAck + kosdaqAck, "2 open gaps or stale instruments, 0 bad bars, 2 acknowledged\n"},
		{"KOSPI,KOSDAQ", gapsHeader + kospi + kosdaq + kospiAck + kosdaqAck, "2 open gaps or stale instruments, 0 bad bars, 2 acknowledged\n"},
		{"XNYS", gapsHeader, "0 open gaps or stale instruments, 0 bad bars, 0 acknowledged\n"},
	} {
		r := marketdAt(t, validateNow, env, "gaps", "list", "--lookback", "15", "--market", tt.market)
		if r.code != cli.ExitOK || r.stdout != tt.stdout || r.stderr != tt.stderr {
			t.Errorf("gaps list --market %s: exit %d\nstdout:\n%s\nstderr: %q\nwant stdout:\n%s\nstderr: %q",
				tt.market, r.code, r.stdout, r.stderr, tt.stdout, tt.stderr)
		}
	}
}

// A bar dated on a closed day is a bad bar, and acknowledging it (its date
// is no session) is how the operator accepts it.
func TestGapsAckBarOnClosedDay(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, nil)
	c := market.DecimalFromInt(101200)
	seed(t, path, nil, []store.Write{{Key: market.Key{Source: market.SourceNaver, Symbol: "000660"},
		Bars: []market.Bar{{Date: 20261004, Open: market.Some(c), High: market.Some(c), Low: market.Some(c), Close: c, Volume: market.Some(int64(5))}}}})
	badBar := "bad bar              naver 000660     2026-10-04                       dated on a day the XKRX calendar says was closed: the calendar or the data is wrong\n"
	r := marketdAt(t, validateNow, env, "gaps", "list", "--lookback", "15")
	if want := gapsHeader + badBar; r.code != cli.ExitOK || r.stdout != want || r.stderr != "0 open gaps or stale instruments, 1 bad bar, 0 acknowledged\n" {
		t.Errorf("gaps list: exit %d\nstdout:\n%s\nstderr: %q\nwant stdout:\n%s", r.code, r.stdout, r.stderr, want)
	}
	r = marketdAt(t, validateNow, env, "gaps", "ack", "naver", "000660", "2026-10-04", "--reason", "a Sunday print")
	if want := "acknowledged naver 000660 2026-10-04: a Sunday print\n"; r.code != cli.ExitOK || r.stdout != want {
		t.Fatalf("gaps ack of a bar on a Sunday: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
	r = marketdAt(t, validateNow, env, "gaps", "list", "--lookback", "15")
	ack := "acknowledged         naver 000660     2026-10-04                       a Sunday print\n"
	if want := gapsHeader + ack; r.code != cli.ExitOK || r.stdout != want || r.stderr != "0 open gaps or stale instruments, 0 bad bars, 1 acknowledged\n" {
		t.Errorf("gaps list after the ack: exit %d\nstdout:\n%s\nstderr: %q\nwant stdout:\n%s", r.code, r.stdout, r.stderr, want)
	}
	// The other instrument has no bar that Sunday: nothing to acknowledge.
	r = marketdAt(t, validateNow, env, "gaps", "ack", "naver", "005930", "2026-10-04", "--reason", "x")
	if want := "marketd: gaps ack: 2026-10-04 (Sunday) is not an XKRX session and naver 005930 has no bar on it, so no gap or bad bar can be there; nothing acknowledged\n"; r.code != cli.ExitUsage || r.stderr != want {
		t.Errorf("gaps ack without a bar: exit %d, stderr %q; want %d, %q", r.code, r.stderr, cli.ExitUsage, want)
	}
}

func TestGapsRefusesBadInput(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, nil)
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"gaps", "ack", "yahoo", "NOPE", "2026-11-17", "--reason", "x"},
			"marketd: gaps ack: yahoo has no NOPE (see marketd symbols list); nothing acknowledged\n"},
		// The store has naver 005930, not yahoo 005930.
		{[]string{"gaps", "ack", "yahoo", "005930", "2026-09-29", "--reason", "x"},
			"marketd: gaps ack: yahoo has no 005930 (see marketd symbols list); nothing acknowledged\n"},
		{[]string{"gaps", "ack", "naver", "005930", "2026-09-27", "--reason", "x"},
			"marketd: gaps ack: 2026-09-27 (Sunday) is not an XKRX session and naver 005930 has no bar on it, so no gap or bad bar can be there; nothing acknowledged\n"},
		{[]string{"gaps", "ack", "naver", "005930", "2026-09-21..2026-09-24", "--reason", "x"},
			"marketd: gaps ack: 2026-09-24 (Thursday, Chuseok eve) is not an XKRX session and naver 005930 has no bar on it, so no gap or bad bar can be there; nothing acknowledged\n"},
		{[]string{"gaps", "ack", "NAVER", "005930", "2026-09-29", "--reason", "x"},
			"marketd: SOURCE \"NAVER\": want yahoo or naver\n"},
		{[]string{"gaps", "unack", "Yahoo", "AAPL", "2026-09-29"},
			"marketd: SOURCE \"Yahoo\": want yahoo or naver\n"},
		{[]string{"gaps", "list", "--lookback", "-1"}, "marketd: --lookback -1: want a number of sessions, or 0 for the whole history\n"},
		{[]string{"gaps", "list", "--market", "XWAR"}, "marketd: --market: unknown market \"XWAR\" (want a MIC such as XNYS, XKRX, XTKS, XLON or a name such as NYSE, KOSPI, JPX, LSE, XETRA)\n"},
	} {
		r := marketdAt(t, validateNow, env, tt.args...)
		if r.code != cli.ExitUsage || r.stdout != "" || r.stderr != tt.stderr {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.args, r.code, r.stdout, r.stderr, cli.ExitUsage, tt.stderr)
		}
	}
	r := marketdAt(t, validateNow, env, "gaps", "list", "--lookback", "0")
	if r.code != cli.ExitOK || r.stdout != gapsHeader || r.stderr != "0 open gaps or stale instruments, 0 bad bars, 0 acknowledged\n" {
		t.Errorf("after the refusals: exit %d, stdout %q, stderr %q; want nothing acknowledged", r.code, r.stdout, r.stderr)
	}
}
