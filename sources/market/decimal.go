package market

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number with eight fractional digits, stored
// as an integer count of 1e-8 units (up to ±92,233,720,368, inside SQL
// DECIMAL(24,8)). Eight digits because Yahoo quotes crypto pairs with
// priceHint 8 and FX crosses (KRW=X 1380.5599) with 4. Prices, dividend
// amounts and split ratios are Decimals, never float64: a float64 close of
// 129.0399932861328 must be stored as exactly 129.04.
//
// A fixed-point integer rather than an arbitrary-precision library type
// keeps bars allocation-free and comparable with ==, which matters when
// millions of them are formatted into upsert statements.
type Decimal int64

const decimalScale = 100_000_000

// MaxDecimals is the number of fractional digits a Decimal holds.
const MaxDecimals = 8

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// DecimalFromInt returns the Decimal with the integer value n.
func DecimalFromInt(n int64) Decimal { return Decimal(n * decimalScale) }

// DecimalFromFloat rounds f to the given number of fractional digits
// (clamped to 0..MaxDecimals), half away from zero. Sources use it to turn the
// float32-ish numbers in JSON into exact prices at the instrument's
// precision (Yahoo's meta.priceHint; 0 for KRW).
func DecimalFromFloat(f float64, decimals int) (Decimal, error) {
	decimals = min(max(decimals, 0), MaxDecimals)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("decimal: %v is not a number", f)
	}
	scaled := math.Round(f * float64(pow10[decimals]))
	if math.Abs(scaled) > float64(math.MaxInt64/pow10[MaxDecimals-decimals]) {
		return 0, fmt.Errorf("decimal: %v out of range", f)
	}
	return Decimal(int64(scaled) * pow10[MaxDecimals-decimals]), nil
}

// ParseDecimal parses a plain decimal number ("275000", "129.04", "-0.5").
// More than MaxDecimals fractional digits is an error rather than a silent rounding.
func ParseDecimal(s string) (Decimal, error) {
	orig := s
	if s == "" {
		return 0, errors.New("decimal: empty string")
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return 0, fmt.Errorf("decimal: invalid number %q", orig)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > MaxDecimals {
		return 0, fmt.Errorf("decimal: %q has more than %d fractional digits", orig, MaxDecimals)
	}
	var n int64
	if intPart != "" {
		v, err := strconv.ParseUint(intPart, 10, 63)
		if err != nil || v > math.MaxInt64/decimalScale {
			return 0, fmt.Errorf("decimal: invalid number %q", orig)
		}
		n = int64(v) * decimalScale
	}
	if frac != "" {
		v, err := strconv.ParseUint(frac, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("decimal: invalid number %q", orig)
		}
		n += int64(v) * pow10[MaxDecimals-len(frac)]
	}
	if neg {
		n = -n
	}
	return Decimal(n), nil
}

// ParseDecimalBytes is ParseDecimal for bytes read from a database row:
// the plain forms a DECIMAL column prints ("-129.040000") are parsed in
// place, without the string copy scanning millions of rows would pay;
// anything else goes through ParseDecimal, so both accept and reject the
// same inputs with the same results.
func ParseDecimalBytes(b []byte) (Decimal, error) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	var n int64
	digits := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
		digits++
	}
	// 10 integer digits cannot overflow once scaled; longer ones take
	// the checked path.
	if digits > 10 {
		return ParseDecimal(string(b))
	}
	n *= decimalScale
	if i < len(b) && b[i] == '.' {
		i++
		end := len(b)
		for end > i && b[end-1] == '0' {
			end--
		}
		if end-i > MaxDecimals {
			return ParseDecimal(string(b))
		}
		var f int64
		for j := i; j < end; j++ {
			if b[j] < '0' || b[j] > '9' {
				return ParseDecimal(string(b))
			}
			f = f*10 + int64(b[j]-'0')
		}
		if digits == 0 && end == i && len(b)-i == 0 {
			return ParseDecimal(string(b)) // "." or "-.": invalid
		}
		n += f * pow10[MaxDecimals-(end-i)]
	} else if i != len(b) || digits == 0 {
		return ParseDecimal(string(b))
	}
	if neg {
		n = -n
	}
	return Decimal(n), nil
}

// Round returns d rounded to the given number of fractional digits, half away from zero.
func (d Decimal) Round(decimals int) Decimal {
	decimals = min(max(decimals, 0), MaxDecimals)
	unit := pow10[MaxDecimals-decimals]
	q, r := int64(d)/unit, int64(d)%unit
	if 2*abs(r) >= unit {
		if d < 0 {
			q--
		} else {
			q++
		}
	}
	return Decimal(q * unit)
}

// Float64 returns d as a float64, for ratios and thresholds, never for storage.
func (d Decimal) Float64() float64 { return float64(d) / decimalScale }

// String formats d without trailing zeros: "275000", "129.04", "-0.5".
func (d Decimal) String() string {
	var buf [24]byte
	return string(d.Append(buf[:0]))
}

// Append appends the String form of d to b without allocating.
func (d Decimal) Append(b []byte) []byte {
	n := int64(d)
	if n < 0 {
		b = append(b, '-')
		if n == math.MinInt64 {
			return append(b, "92233720368.54775808"...)
		}
		n = -n
	}
	b = strconv.AppendInt(b, n/decimalScale, 10)
	frac := n % decimalScale
	if frac == 0 {
		return b
	}
	digits := MaxDecimals
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	b = append(b, '.')
	for i := digits - 1; i >= 0; i-- {
		if frac < pow10[i] {
			b = append(b, '0')
		} else {
			break
		}
	}
	return strconv.AppendInt(b, frac, 10)
}

// MarshalText implements encoding.TextMarshaler.
func (d Decimal) MarshalText() ([]byte, error) { return d.Append(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
