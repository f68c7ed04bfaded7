package validate_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

// listStore holds instruments, bars and acknowledgements for ListGaps and
// CheckAckable.
type listStore struct {
	insts []market.Instrument
	bars  map[market.Key][]market.Bar
	acks  *[]store.Ack
}

func (s listStore) Instruments(_ context.Context, f store.InstrumentFilter) ([]market.Instrument, error) {
	var out []market.Instrument
	for _, in := range s.insts {
		if (f.Source == "" || in.Source == f.Source) && (f.Symbols == nil || in.Symbol == f.Symbols[0]) {
			out = append(out, in)
		}
	}
	return out, nil
}

func (s listStore) Acks(context.Context) ([]store.Ack, error) { return *s.acks, nil }

func (s listStore) AddAck(_ context.Context, a store.Ack) error {
	*s.acks = append(*s.acks, a)
	return nil
}

func (s listStore) Bars(_ context.Context, k market.Key, from, to market.Date) ([]market.Bar, error) {
	var out []market.Bar
	for _, b := range s.bars[k] {
		if b.Date >= from && b.Date <= to {
			out = append(out, b)
		}
	}
	return out, nil
}

var (
	samsung = market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Board: market.BoardKOSPI}
	ecopro  = market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: "247540"}, Market: market.XKRX, Board: market.BoardKOSDAQ}
	apple   = market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS}
)

// gaps list with --market KOSDAQ lists the problems of KOSDAQ instruments
// and of XKRX as a whole, and only their acknowledgements; a cross-source
// difference is not something gaps ack settles.
func TestListGaps(t *testing.T) {
	st := listStore{insts: []market.Instrument{samsung, ecopro, apple}, acks: &[]store.Ack{
		{Source: market.SourceNaver, Symbol: "247540", From: 20261102, To: 20261106, Reason: "not served"},
		{Source: market.SourceYahoo, Symbol: "AAPL", From: 20260312, To: 20260312, Reason: "bad print"},
	}}
	rep := &validate.Report{Problems: []validate.Problem{
		{Kind: validate.KindGap, Key: ecopro.Key, Market: market.XKRX, From: 20261001, To: 20261001, Sessions: 1, Detail: "missing"},
		{Kind: validate.KindBadBar, Key: ecopro.Key, Market: market.XKRX, From: 20261006, Detail: "high below close"},
		{Kind: validate.KindGap, Key: samsung.Key, Market: market.XKRX, From: 20261001, To: 20261002, Sessions: 2},
		{Kind: validate.KindGap, Key: apple.Key, Market: market.XNYS, From: 20261001, To: 20261001, Sessions: 1},
		{Kind: validate.KindCrossSource, Key: ecopro.Key, Market: market.XKRX, From: 20261005},
	}}
	chosen, err := market.ParseChoices([]string{"KOSDAQ"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := validate.ListGaps(context.Background(), st, rep, chosen)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := l.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	want := "KIND                 WHO              DATES                  SESSIONS  DETAIL\n" +
		"gap                  naver 247540     2026-10-01                    1  missing\n" +
		"bad bar              naver 247540     2026-10-06                       high below close\n" +
		"acknowledged         naver 247540     2026-11-02..2026-11-06           not served\n"
	if out.String() != want {
		t.Errorf("WriteText:\n%s\nwant\n%s", out.String(), want)
	}
	if got, want := l.Summary(), "1 open gap or stale instrument, 1 bad bar, 1 acknowledged"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	all, err := validate.ListGaps(context.Background(), st, rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := all.Summary(), "3 open gaps or stale instruments, 1 bad bar, 2 acknowledged"; got != want {
		t.Errorf("Summary of every market = %q, want %q", got, want)
	}
}

// An acknowledgement must name a stored instrument, and each end must be
// a session of its market (with its overrides) or a day it has a bar on.
func TestCheckAckable(t *testing.T) {
	ctx := context.Background()
	st := listStore{insts: []market.Instrument{apple}, acks: &[]store.Ack{}, bars: map[market.Key][]market.Bar{
		apple.Key: {{Date: 20260704, Close: market.DecimalFromInt(1)}}, // a bar on a holiday: a bad bar
	}}
	cals := func(_ context.Context, code string) (validate.Calendar, error) { return calendar.For(code) }
	var unknown *validate.UnknownInstrumentError
	err := validate.CheckAckable(ctx, cals, st, market.Key{Source: market.SourceYahoo, Symbol: "MSFT"}, 20261001, 20261001)
	if !errors.As(err, &unknown) || err.Error() != "yahoo has no MSFT (see marketd symbols list)" {
		t.Errorf("CheckAckable(MSFT) = %v, want an UnknownInstrumentError", err)
	}
	var na *validate.NotAckableError
	err = validate.CheckAckable(ctx, cals, st, apple.Key, 20261003, 20261003)
	if !errors.As(err, &na) || err.Error() != "2026-10-03 (Saturday) is not an XNYS session and yahoo AAPL has no bar on it, so no gap or bad bar can be there" {
		t.Errorf("CheckAckable(Saturday) = %v, want a NotAckableError", err)
	}
	for _, r := range [][2]market.Date{{20261001, 20261005}, {20260704, 20260704}} {
		if err := validate.CheckAckable(ctx, cals, st, apple.Key, r[0], r[1]); err != nil {
			t.Errorf("CheckAckable(%s..%s) = %v, want nil", r[0], r[1], err)
		}
	}
	// Acknowledge stores only what CheckAckable accepts.
	if err := validate.Acknowledge(ctx, cals, st, store.Ack{Source: market.SourceYahoo, Symbol: "AAPL", From: 20261003, To: 20261003}); !errors.As(err, &na) {
		t.Errorf("Acknowledge(Saturday) = %v", err)
	}
	ack := store.Ack{Source: market.SourceYahoo, Symbol: "AAPL", From: 20261001, To: 20261002, Reason: "halted"}
	if err := validate.Acknowledge(ctx, cals, st, ack); err != nil || len(*st.acks) != 1 || (*st.acks)[0] != ack {
		t.Errorf("Acknowledge = %v, stored %+v", err, *st.acks)
	}
}
