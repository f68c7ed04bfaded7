package validate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// TestMovesBeyondTheLimit checks that a close move past XKRX's 30% limit
// is a bad bar unless a corporate action explains it. Reading the actions
// while the bars are being scanned needs a second connection, which a
// SQLite store does not have: the check must wait for the scan's end.
func TestMovesBeyondTheLimit(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cal, err := calendar.For(market.XKRX)
		if err != nil {
			t.Fatal(err)
		}
		sessions := cal.Sessions(20260915, 20261008)
		insts := []market.Instrument{
			{Key: key("005930"), Market: market.XKRX, Board: "KOSPI", Active: true},
			{Key: key("000660"), Market: market.XKRX, Board: "KOSPI", Active: true},
		}
		if _, err := s.AddInstruments(ctx, insts); err != nil {
			t.Fatal(err)
		}
		jump := sessions[5]
		var writes []store.Write
		for _, in := range insts {
			w := store.Write{Key: in.Key}
			for i, d := range sessions {
				c := int64(10000 + i)
				if d >= jump {
					c += 10000
				}
				w.Bars = append(w.Bars, bar(d, c))
			}
			if in.Symbol == "005930" {
				w.Actions = []market.Action{{Date: jump, Kind: market.Split, Numerator: market.DecimalFromInt(1), Denominator: market.DecimalFromInt(2)}}
			}
			writes = append(writes, w)
		}
		if _, err := s.Write(ctx, writes); err != nil {
			t.Fatal(err)
		}
		r, err := validate.New(validate.Config{Lookback: 15}, s, calendars, nil, now).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []row{{validate.KindBadBar, "naver 000660", "2026-09-22", 0}}
		if got := rows(r.Problems); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("problems:\n got %v\nwant %v\n%s", got, want, details(r.Problems))
		}
		if got, want := r.Problems[0].Detail, "close moved +100.0% from 10004 on 2026-09-21, beyond the 30% limit, with no split or dividend to explain it"; got != want {
			t.Errorf("detail = %q, want %q", got, want)
		}
		if r.Markets[0].BadBars != 1 {
			t.Errorf("summary counts %d bad bars, want 1", r.Markets[0].BadBars)
		}
	})
}
