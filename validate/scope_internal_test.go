package validate

import (
	"testing"

	"github.com/marketd/marketd/sources/market"
)

// TestScopeCovers checks each kind of problem ID against a scope: XKRX
// read from Naver and Yahoo over 2026-10-01..2026-10-08, XNYS not at all,
// and one job watched.
func TestScopeCovers(t *testing.T) {
	var s Scope
	s.add(market.XKRX, market.SourceNaver, 20261001, 20261008, []market.Instrument{{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}}})
	s.add(market.XKRX, market.SourceYahoo, 20261001, 20261008, []market.Instrument{{Key: market.Key{Source: market.SourceYahoo, Symbol: "005930.KS"}}})
	s.jobs = []string{"collect-krx"}
	for _, tt := range []struct {
		p    Problem
		want bool
	}{
		{Problem{Kind: KindGap, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "005930"}, From: 20261002}, true},
		{Problem{Kind: KindGap, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "005930"}, From: 20260930}, false}, // before the window
		{Problem{Kind: KindGap, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "000660"}, From: 20261002}, false}, // not read
		{Problem{Kind: KindBadBar, Market: market.XNYS, Key: market.Key{Source: "yahoo", Symbol: "AAPL"}, From: 20261002}, false},
		{Problem{Kind: KindStale, Market: market.XKRX, Key: market.Key{Source: "yahoo", Symbol: "005930.KS"}, From: 20261008}, true},
		{Problem{Kind: KindMarketMissing, Market: market.XKRX, Key: market.Key{Source: "naver"}, From: 20261002}, true},
		{Problem{Kind: KindMarketMissing, Market: market.XNYS, Key: market.Key{Source: "yahoo"}, From: 20261002}, false},
		{Problem{Kind: KindDrift, Market: market.XKRX, Key: market.Key{Source: "yahoo"}, From: 20261009}, false}, // after the window
		{Problem{Kind: KindCalendar, Market: market.XKRX, From: 20261008}, true},
		{Problem{Kind: KindCalendar, Market: market.XNYS, From: 20261008}, false},
		{Problem{Kind: KindCrossSource, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "005930"}, From: 20261005}, true},
		{Problem{Kind: KindIntradayGap, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "005930"}, Interval: market.Interval1m, From: 20261002}, true},
		{Problem{Kind: KindIntradayThin, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "005930"}, Interval: market.Interval1m, From: 20260930}, false},
		{Problem{Kind: KindIntradayGap, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "000660"}, Interval: market.Interval1m, From: 20261002}, false},
		{Problem{Kind: KindDeadMan, Job: "collect-krx"}, true},
		{Problem{Kind: KindDeadMan, Job: "collect-us"}, false},
	} {
		if got := s.Covers(tt.p.ID()); got != tt.want {
			t.Errorf("Covers(%q) = %v, want %v", tt.p.ID(), got, tt.want)
		}
	}
	// Without Yahoo read, a Naver/Yahoo difference was not looked for.
	var naverOnly Scope
	naverOnly.add(market.XKRX, market.SourceNaver, 20261001, 20261008, []market.Instrument{{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}}})
	cross := Problem{Kind: KindCrossSource, Market: market.XKRX, Key: market.Key{Source: "naver", Symbol: "005930"}, From: 20261005}
	for _, id := range []string{cross.ID(), "gap|naver|005930", "gap|naver|005930|not a date", ""} {
		if naverOnly.Covers(id) {
			t.Errorf("naver-only scope covers %q", id)
		}
	}
}
