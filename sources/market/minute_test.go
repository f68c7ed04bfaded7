package market_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

func TestParseInterval(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    market.Interval
		minutes int
		intra   bool
	}{
		{"1m", market.Interval1m, 1, true},
		{"5m", market.Interval5m, 5, true},
		{"60m", market.Interval60m, 60, true},
		{"1d", market.Interval1d, 0, false},
	} {
		got, err := market.ParseInterval(tt.in)
		if err != nil {
			t.Fatalf("ParseInterval(%q): %v", tt.in, err)
		}
		if got != tt.want || got.String() != tt.in || got.Minutes() != tt.minutes || got.Intraday() != tt.intra {
			t.Errorf("ParseInterval(%q) = %v (minutes %d, intraday %v), want %v (%d, %v)",
				tt.in, got, got.Minutes(), got.Intraday(), tt.want, tt.minutes, tt.intra)
		}
		if tt.minutes != 0 {
			back, err := market.IntervalOfMinutes(tt.minutes)
			if err != nil || back != tt.want {
				t.Errorf("IntervalOfMinutes(%d) = %v, %v; want %v", tt.minutes, back, err, tt.want)
			}
		}
	}
	if d := market.Interval5m.Duration(); d != 5*time.Minute {
		t.Errorf("5m Duration = %v", d)
	}
}

func TestParseIntervalNamesBadValue(t *testing.T) {
	for _, in := range []string{"", "1h", "2m", "1M", "60", " 1m", "1d "} {
		_, err := market.ParseInterval(in)
		want := `invalid interval "` + in + `": want 1m, 5m, 60m or 1d`
		if err == nil || err.Error() != want {
			t.Errorf("ParseInterval(%q) error = %v, want %q", in, err, want)
		}
	}
	if _, err := market.IntervalOfMinutes(2); err == nil || err.Error() != "invalid interval of 2 minutes: want 1, 5 or 60" {
		t.Errorf("IntervalOfMinutes(2) error = %v", err)
	}
	var zero market.Interval
	if zero.Valid() || zero.String() != "Interval(0)" || zero.Minutes() != 0 || zero.Intraday() {
		t.Errorf("zero Interval: valid %v, %q, %d minutes", zero.Valid(), zero.String(), zero.Minutes())
	}
}

func TestIntervalJSON(t *testing.T) {
	var v struct{ I market.Interval }
	if err := json.Unmarshal([]byte(`{"I":"60m"}`), &v); err != nil || v.I != market.Interval60m {
		t.Fatalf("unmarshal 60m: %v, %v", v.I, err)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"I":"60m"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"I":"3m"}`), &v); err == nil {
		t.Fatal("unmarshal 3m: no error")
	}
	if _, err := json.Marshal(struct{ I market.Interval }{}); err == nil {
		t.Fatal("marshal of the zero Interval: no error")
	}
}

func TestParseIntraday(t *testing.T) {
	for in, want := range map[string]market.Interval{"1m": market.Interval1m, "5m": market.Interval5m, "60m": market.Interval60m, "off": 0} {
		if got, err := market.ParseIntraday(in); err != nil || got != want {
			t.Errorf("ParseIntraday(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"1d", "", "OFF", "2m"} {
		if _, err := market.ParseIntraday(in); err == nil || err.Error() != `invalid intraday interval "`+in+`": want 1m, 5m, 60m or off` {
			t.Errorf("ParseIntraday(%q): %v", in, err)
		}
	}
}
