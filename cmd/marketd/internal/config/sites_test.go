package config

import (
	"errors"
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
