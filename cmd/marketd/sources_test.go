package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
)

func TestSites(t *testing.T) {
	var names []string
	for _, s := range sites(config.Sources{}) {
		names = append(names, s.name)
	}
	if want := []string{market.SourceYahoo, market.SourceNaver}; !slices.Equal(names, want) {
		t.Errorf("sites %v, want %v", names, want)
	}
	s, err := siteNamed("--source", market.SourceNaver)
	if err != nil || s.name != market.SourceNaver {
		t.Fatalf("siteNamed(naver) = %q, %v", s.name, err)
	}
	// The site carries its source's symbol rule and traits.
	if _, err := s.newInstrument("005930", market.XNYS, ""); !errors.Is(err, naver.ErrNotXKRX) {
		t.Errorf("naver site's newInstrument on XNYS: %v, want naver.ErrNotXKRX", err)
	}
	if ss, ok := s.open(nil).(collector.SilentSplitter); !ok || !ss.SilentSplits() {
		t.Errorf("the naver site's source does not declare its silent splits")
	}
	for _, tt := range []struct{ arg, source, want string }{
		{"--source", "", "--source is required: yahoo or naver"},
		{"SOURCE", "google", `SOURCE "google": want yahoo or naver`},
	} {
		var ue cli.UsageError
		if _, err := siteNamed(tt.arg, tt.source); !errors.As(err, &ue) || err.Error() != tt.want {
			t.Errorf("siteNamed(%q, %q) = %v, want the usage error %q", tt.arg, tt.source, err, tt.want)
		}
	}
}
