package market

import "testing"

func TestIsKRXCode(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"005930", true},
		{"0193T0", true}, // codes issued since 2024 hold letters
		{"00104K", true},
		{"00593", false},
		{"0059300", false},
		{"0193t0", false}, // callers upper-case first
		{"A05930", false}, // a code starts with a digit
		{"ABCDEF", false},
		{"005930.KS", false},
		{"00 930", false},
		{"", false},
	} {
		if got := IsKRXCode(tt.s); got != tt.want {
			t.Errorf("IsKRXCode(%q) = %t, want %t", tt.s, got, tt.want)
		}
	}
}
