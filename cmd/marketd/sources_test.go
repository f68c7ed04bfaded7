package main

import (
	"errors"
	"testing"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/sources/market"
)

func TestSiteNamed(t *testing.T) {
	s, err := siteNamed("--source", market.SourceNaver)
	if err != nil || s.Name != market.SourceNaver {
		t.Fatalf("siteNamed(naver) = %q, %v", s.Name, err)
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
