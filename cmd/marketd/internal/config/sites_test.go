package config

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
)

// The sites come in the order messages name them, and each carries its
// source's symbol rule and traits.
func TestSites(t *testing.T) {
	var names []string
	for _, s := range Default().Sources.Sites() {
		names = append(names, s.Name)
	}
	if want := []string{market.SourceYahoo, market.SourceNaver}; !slices.Equal(names, want) {
		t.Fatalf("sites %v, want %v", names, want)
	}
	y, n := Default().Sources.Sites()[0], Default().Sources.Sites()[1]
	if _, err := n.NewInstrument("005930", market.XNYS, ""); !errors.Is(err, naver.ErrNotXKRX) {
		t.Errorf("naver site's NewInstrument on XNYS: %v, want naver.ErrNotXKRX", err)
	}
	if ss, ok := n.Open(nil).(collector.SilentSplitter); !ok || !ss.SilentSplits() {
		t.Errorf("the naver site's source does not declare its silent splits")
	}
	if n.Classifier != nil || y.Classifier == nil {
		t.Errorf("classifiers: yahoo %v, naver %v; want yahoo's only", y.Classifier != nil, n.Classifier != nil)
	}
}

// Typed symbols become instruments once each; the first one the site
// cannot have fails them all, named as typed.
func TestSiteInstruments(t *testing.T) {
	y := Default().Sources.Sites()[0]
	got, err := y.Instruments([]string{" aapl", "AAPL", "005930"}, market.XKRX, market.BoardKOSPI)
	var bad *SymbolError
	if !errors.As(err, &bad) || bad.Raw != " aapl" || got != nil {
		t.Fatalf("Instruments(aapl on KOSPI) = %v, %v; want aapl refused", got, err)
	}
	if msg := y.Refusal(bad.Raw, "kospi", bad.Err); msg != `yahoo symbol " aapl": --market kospi wants 6-character KRX codes or CODE.KS/CODE.KQ` {
		t.Errorf("Refusal = %q", msg)
	}
	n := Default().Sources.Sites()[1]
	_, err = n.Instruments([]string{"005930"}, market.XNYS, "")
	if !errors.As(err, &bad) || n.Refusal(bad.Raw, "NYSE", bad.Err) != "--market NYSE: naver has Korean (XKRX) instruments only" {
		t.Errorf("naver on NYSE: %v", err)
	}
	if msg := n.Refusal("x", "", errors.New("other")); msg != "" {
		t.Errorf("Refusal of an unknown error = %q, want none", msg)
	}
	got, err = y.Instruments([]string{" aapl", "AAPL", "brk-b"}, "", "")
	if err != nil || len(got) != 2 || got[0].Symbol != "AAPL" || got[1].Symbol != "BRK-B" {
		t.Errorf("Instruments = %+v, %v; want AAPL and BRK-B", got, err)
	}
	if _, err := y.Instruments([]string{"A;B"}, "", ""); !errors.Is(err, market.ErrInvalidSymbol) {
		t.Errorf("Instruments(A;B) = %v, want ErrInvalidSymbol", err)
	}
}

// A site refuses the intraday intervals its source does not serve, naming
// what it serves; off is always accepted.
func TestSiteCheckIntraday(t *testing.T) {
	y, n := Default().Sources.Sites()[0], Default().Sources.Sites()[1]
	for _, c := range []struct {
		site Site
		iv   market.Interval
		want string
	}{
		{y, market.Interval1m, ""},
		{y, market.Interval5m, ""},
		{y, market.Interval60m, ""},
		{y, 0, ""},
		{y, market.Interval1d, "yahoo serves no 1d bars: want 1m, 5m, 60m or off"},
		{n, market.Interval1m, ""},
		{n, 0, ""},
		{n, market.Interval5m, "naver serves no 5m bars: want 1m or off"},
		{n, market.Interval60m, "naver serves no 60m bars: want 1m or off"},
	} {
		err := c.site.CheckIntraday(c.iv)
		if got := fmt.Sprint(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("%s CheckIntraday(%s) = %v, want %q", c.site.Name, c.iv, err, c.want)
		}
	}
}

// ParseIntraday reads what a user typed: an interval the site serves, or
// off; nothing typed is refused.
func TestSiteParseIntraday(t *testing.T) {
	n := Default().Sources.Sites()[1]
	for _, c := range []struct {
		in   string
		want market.Interval
		err  string
	}{
		{"1m", market.Interval1m, ""},
		{"off", 0, ""},
		{"", 0, "no interval given: want 1m, 5m, 60m or off"},
		{"1d", 0, `invalid intraday interval "1d": want 1m, 5m, 60m or off`},
		{"60m", 0, "naver serves no 60m bars: want 1m or off"},
	} {
		iv, err := n.ParseIntraday(c.in)
		if iv != c.want || (c.err == "" && err != nil) || (c.err != "" && fmt.Sprint(err) != c.err) {
			t.Errorf("ParseIntraday(%q) = %v, %v; want %v, %q", c.in, iv, err, c.want, c.err)
		}
	}
}
