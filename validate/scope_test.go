package validate_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// withAAPL adds a Yahoo XNYS instrument to the scenario, missing
// 2026-10-01, and returns the write that heals it.
func withAAPL(t *testing.T, s *store.Store) store.Write {
	t.Helper()
	ctx := context.Background()
	cal, err := calendar.For(market.XNYS)
	if err != nil {
		t.Fatal(err)
	}
	aapl := market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	if _, err := s.AddInstruments(ctx, []market.Instrument{{Key: aapl, Market: market.XNYS, Active: true}}); err != nil {
		t.Fatal(err)
	}
	var stored []market.Bar
	var heal store.Write
	for i, d := range cal.Sessions(20260901, 20261007) {
		b := bar(d, int64(200+i))
		if d == 20261001 {
			heal = store.Write{Key: aapl, Bars: []market.Bar{b}}
			continue
		}
		stored = append(stored, b)
	}
	if _, err := s.Write(ctx, []store.Write{{Key: aapl, Bars: stored}}); err != nil {
		t.Fatal(err)
	}
	return heal
}

// TestAlertStateFollowsScope runs a full validation, then one narrowed by
// each scope flag after healing one problem inside the scope, then the
// full one again: the narrow run resolves only the healed problem, and
// the full run finds every other problem open since the first run, none
// new.
func TestAlertStateFollowsScope(t *testing.T) {
	cases := []struct {
		name string
		cfg  validate.Config
		heal string // "AAPL": the XNYS gap; "000660": the stale XKRX instrument
		want string // the one problem the narrow run resolves
	}{
		{"market", validate.Config{Lookback: 15, Markets: []string{market.XNYS}}, "AAPL", "gap yahoo AAPL 2026-10-01"},
		{"source", validate.Config{Lookback: 15, Sources: []string{market.SourceYahoo}}, "AAPL", "gap yahoo AAPL 2026-10-01"},
		{"lookback", validate.Config{Lookback: 3}, "000660", "stale naver 000660 2026-10-07"},
		{"since", validate.Config{Since: 20261006}, "000660", "stale naver 000660 2026-10-07"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Dialects(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				truth := scenario(t, s)
				healAAPL := withAAPL(t, s)
				run := func(cfg validate.Config, at time.Time) *validate.Report {
					t.Helper()
					r, err := validate.New(cfg, s, calendars, nil, at).Run(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if err := validate.Track(ctx, s, r); err != nil {
						t.Fatal(err)
					}
					return r
				}
				full := validate.Config{Lookback: 15}
				first := run(full, now)
				var ids []string
				for _, p := range first.Problems {
					ids = append(ids, p.ID())
				}
				// Both problems the cases heal are among the first run's.
				for _, id := range []string{"gap|yahoo|AAPL|2026-10-01", "stale|naver|000660|2026-10-07", "gap|naver|005930|2026-09-22", "market-wide missing|XKRX|naver|2026-10-02"} {
					if !slices.Contains(ids, id) {
						t.Fatalf("first run lacks %s: %q", id, ids)
					}
				}

				heal := healAAPL
				if tc.heal == "000660" {
					heal = store.Write{Key: key("000660"), Bars: truth[key("000660")][13:]}
				}
				if _, err := s.Write(ctx, []store.Write{heal}); err != nil {
					t.Fatal(err)
				}
				narrow := run(tc.cfg, now.Add(time.Hour))
				if want := []string{tc.want}; !slices.Equal(narrow.Resolved, want) {
					t.Errorf("narrow run resolved %q, want %q", narrow.Resolved, want)
				}

				again := run(full, now.Add(2*time.Hour))
				if len(again.Resolved) != 0 {
					t.Errorf("full run after the narrow one resolved %q, want nothing", again.Resolved)
				}
				if len(again.Problems) != len(first.Problems)-1 {
					t.Errorf("full run after the narrow one: %d problems, want %d", len(again.Problems), len(first.Problems)-1)
				}
				for _, p := range again.Problems {
					if p.New || !p.FirstSeen.Equal(now.UTC()) {
						t.Errorf("%s: new=%v first seen %v, want open since %v", p.ID(), p.New, p.FirstSeen, now.UTC())
					}
				}
			})
		})
	}
}
