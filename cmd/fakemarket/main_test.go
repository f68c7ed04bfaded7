package main

import (
	"context"
	"strings"
	"testing"
)

// Bad flags fail before anything listens, naming the flag and the value.
func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--faults", "yahoo:5xx=7"}, "--faults: faults yahoo: 5xx=7"},
		{[]string{"--faults", "bing:5xx=0.1"}, "--faults: faults \"bing:5xx=0.1\""},
		{[]string{"--rate", "yahoo=fast"}, "--rate: rate \"yahoo=fast\""},
		{[]string{"--symbols", "AAPL,12345"}, "--symbols: sourcetest: symbol \"12345\""},
		{[]string{"--listen", "256.0.0.1:99999"}, "--listen 256.0.0.1:99999"},
		{[]string{"--symbols", "AAPL", "--illiquid", "thin"}, "--illiquid: THIN is not one of --symbols"},
	}
	// A cancelled context: were a case to pass validation, run would stop
	// at once instead of serving forever.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range tests {
		err := run(ctx, append([]string{"--listen", "127.0.0.1:0"}, tt.args...))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error starting %q", tt.args, err, tt.want)
		}
	}
}

func TestHelpExitsZero(t *testing.T) {
	err := run(context.Background(), []string{"--help"})
	if code := exitCode(err); code != 0 {
		t.Errorf("fakemarket --help: run returned %v, exit %d; want exit 0", err, code)
	}
}
