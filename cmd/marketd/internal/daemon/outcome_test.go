package daemon

import (
	"strings"
	"testing"

	"github.com/marketd/marketd/store"
)

// What each recorded outcome pings: a partial run and a closed day are
// success for the heartbeat, a failure pings /fail with its reason on one
// bounded line, an interrupted run (the daemon stopping) pings nothing.
func TestOutcomePing(t *testing.T) {
	long := strings.Repeat("가", 400) // 1200 bytes: cut on a rune boundary
	tests := []struct {
		run          store.Run
		suffix, body string
		ok           bool
	}{
		{store.Run{Status: store.RunOK, OK: 12, Inserted: 12, Changed: 1}, "", "ok: 12 ok, 0 failed, 12 inserted, 1 changed", true},
		{store.Run{Status: store.RunPartial, Message: "1 of 3 instruments failed"}, "", "partial: 1 of 3 instruments failed", true},
		{store.Run{Status: store.RunProblems, Message: "marketd: 2 problems\n(XNYS)"}, "", "problems: marketd: 2 problems (XNYS)", true},
		{store.Run{Status: store.RunClosed, Message: "XKRX closed on 2026-10-05"}, "", "closed: XKRX closed on 2026-10-05", true},
		{store.Run{Status: store.RunFailed, Message: "collect: database is locked"}, "fail", "failed: collect: database is locked", true},
		{store.Run{Status: store.RunFailed, Message: long}, "fail", "failed: " + strings.Repeat("가", 330), true},
		{store.Run{Status: store.RunInterrupted, Message: "context canceled"}, "", "", false},
	}
	for _, tt := range tests {
		suffix, body, ok := outcomePing(tt.run)
		if suffix != tt.suffix || body != tt.body || ok != tt.ok {
			t.Errorf("%s: (%q, %q, %v), want (%q, %q, %v)", tt.run.Status, suffix, body, ok, tt.suffix, tt.body, tt.ok)
		}
	}
}

func TestPingURL(t *testing.T) {
	for _, tt := range []struct{ base, suffix, want string }{
		{"https://hc-ping.com/u-1", "start", "https://hc-ping.com/u-1/start"},
		{"https://hc-ping.com/u-1/", "fail", "https://hc-ping.com/u-1/fail"},
		{"https://hc-ping.com/key/slug?create=1", "start", "https://hc-ping.com/key/slug/start?create=1"},
		{"https://hc-ping.com/u-1", "", "https://hc-ping.com/u-1"},
	} {
		if got := pingURL(tt.base, tt.suffix); got != tt.want {
			t.Errorf("pingURL(%q, %q) = %q, want %q", tt.base, tt.suffix, got, tt.want)
		}
	}
}
