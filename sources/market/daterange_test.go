package market

import "testing"

func TestParseDateRange(t *testing.T) {
	for _, tt := range []struct {
		in       string
		from, to Date
		err      string
	}{
		{in: "2026-11-02", from: 20261102, to: 20261102},
		{in: "2026-11-02..2026-11-06", from: 20261102, to: 20261106},
		{in: "2026-11-06..2026-11-02", err: "date range 2026-11-06..2026-11-02 ends before it starts"},
		{in: "2026-11-02..", err: `invalid date "": want YYYY-MM-DD`},
	} {
		from, to, err := ParseDateRange(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseDateRange(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || from != tt.from || to != tt.to {
			t.Errorf("ParseDateRange(%q) = %s, %s, %v", tt.in, from, to, err)
		}
		if got := FormatDateRange(from, to); got != tt.in {
			t.Errorf("FormatDateRange(%s, %s) = %q, want %q", from, to, got, tt.in)
		}
	}
}
