package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLogDurationsAsText checks that the journal's JSON lines carry
// durations as text, as the terminal's do.
func TestLogDurationsAsText(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf, "info").Info("run finished", "duration", 90*time.Second+250*time.Millisecond)
	if got, want := buf.String(), `"duration":"1m30.25s"`; !strings.Contains(got, want) {
		t.Errorf("log line %s lacks %s", got, want)
	}
}
