package cli

import (
	"io"
	"log/slog"
)

// NewLogger logs to w as text for a person at a terminal and as JSON for
// journald and log collectors. Secrets never reach it: the database is
// named by its redacted URL and credentials are never passed as attributes.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level)) // validated by config.Load
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: durationText}
	if IsTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// durationText writes durations as text ("1m30s"), which the JSON handler
// would otherwise write as integer nanoseconds: the same value reads the
// same in the journal and at a terminal.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}
