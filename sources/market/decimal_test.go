package market

import (
	"math"
	"testing"
)

func TestDecimalFromFloat(t *testing.T) {
	tests := []struct {
		f        float64
		decimals int
		want     string
	}{
		{129.0399932861328, 2, "129.04"},
		{275000, 0, "275000"},
		{274999.99999, 0, "275000"},
		{0.205, 4, "0.205"},
		{-1.005, 2, "-1"}, // 1.005 is 1.00499999… in binary
		{-2.5, 0, "-3"},   // half away from zero
		{118.27500152587891, 3, "118.275"},
		{1.234567891, 9, "1.23456789"},       // clamped to eight digits
		{1380.5599365234375, 4, "1380.5599"}, // KRW=X, priceHint 4
		{0.000012345678, 8, "0.00001235"},    // crypto, priceHint 8
		{0, 2, "0"},
	}
	for _, tt := range tests {
		got, err := DecimalFromFloat(tt.f, tt.decimals)
		if err != nil {
			t.Fatalf("DecimalFromFloat(%v, %d): %v", tt.f, tt.decimals, err)
		}
		if got.String() != tt.want {
			t.Errorf("DecimalFromFloat(%v, %d) = %s, want %s", tt.f, tt.decimals, got, tt.want)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), 1e20} {
		if _, err := DecimalFromFloat(bad, 2); err == nil {
			t.Errorf("DecimalFromFloat(%v) succeeded, want an error", bad)
		}
	}
}

func TestParseDecimalRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"275000", "275000"},
		{"129.040000", "129.04"},
		{"0.000001", "0.000001"},
		{"0.00000001", "0.00000001"},
		{"1380.55990000", "1380.5599"},
		{"-0.5", "-0.5"},
		{"+3", "3"},
		{".25", "0.25"},
		{"10.", "10"},
		{"92233720368.54775807", "92233720368.54775807"},
	}
	for _, tt := range tests {
		d, err := ParseDecimal(tt.in)
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
		}
		if d.String() != tt.want {
			t.Errorf("ParseDecimal(%q) = %s, want %s", tt.in, d, tt.want)
		}
	}
	for _, bad := range []string{"", "-", ".", "1,000", "1.234567891", "abc", "1e5", "92233720369"} {
		if _, err := ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) succeeded, want an error", bad)
		}
	}
}

func TestDecimalRound(t *testing.T) {
	tests := []struct {
		in       string
		decimals int
		want     string
	}{
		{"129.045", 2, "129.05"},
		{"129.044999", 2, "129.04"},
		{"-129.045", 2, "-129.05"},
		{"275000.5", 0, "275001"},
	}
	for _, tt := range tests {
		d, _ := ParseDecimal(tt.in)
		if got := d.Round(tt.decimals).String(); got != tt.want {
			t.Errorf("%s.Round(%d) = %s, want %s", tt.in, tt.decimals, got, tt.want)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1", "129.04", "-0.00000001", "92233720368.54775807", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		again, err := ParseDecimal(d.String())
		if err != nil || again != d {
			t.Fatalf("%q -> %s -> %v (%v)", s, d, again, err)
		}
	})
}

func TestParseDecimalBytes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Decimal
		err  bool
	}{
		{"129.04000000", 12_904_000_000, false},
		{"-0.00000001", -1, false},
		{"275000", 27_500_000_000_000, false},
		{"5.", 500_000_000, false},
		{".5", 50_000_000, false},
		{"+1.5", 150_000_000, false},
		{"1380.55990000", 138_055_990_000, false},
		{"92233720368.54775807", 9223372036854775807, false},
		{"0.000000001", 0, true},
		{".", 0, true},
		{"-", 0, true},
		{"", 0, true},
		{"1.2.3", 0, true},
		{"12a", 0, true},
		{"92233720369", 0, true},
	} {
		got, err := ParseDecimalBytes([]byte(tt.in))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDecimalBytes(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// FuzzParseDecimalBytes holds the byte parser to ParseDecimal's answers.
func FuzzParseDecimalBytes(f *testing.F) {
	for _, s := range []string{"1", "129.040000", "-0.00000001", "92233720368.54775807", "", ".", "-.", "5.", "1e5", "00012.300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantErr := ParseDecimal(s)
		got, err := ParseDecimalBytes([]byte(s))
		if got != want || (err == nil) != (wantErr == nil) {
			t.Fatalf("ParseDecimalBytes(%q) = %v, %v; ParseDecimal = %v, %v", s, got, err, want, wantErr)
		}
	})
}
