package httpx

import (
	"testing"

	"golang.org/x/time/rate"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want rate.Limit
	}{
		{"2/s", 2},
		{"30/m", 0.5},
		{"500/h", rate.Limit(500.0 / 3600)},
		{"86400/d", 1},
		{" 1/sec ", 1},
		{"unlimited", rate.Inf},
		{"inf", rate.Inf},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "500", "0/s", "-1/s", "x/s", "5/week", "5/"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) succeeded", bad)
		}
	}
}
