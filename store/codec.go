package store

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

func nullInt(v sql.Null[int64]) any {
	if !v.Valid {
		return nil
	}
	return v.V
}

// decimalArg renders a price for SQL as an exact decimal string.
func decimalArg(d market.Decimal) string { return d.String() }

func nullDecimalArg(d sql.Null[market.Decimal]) any {
	if !d.Valid {
		return nil
	}
	return d.V.String()
}

func nullDateArg(d market.Date) any {
	if d == 0 {
		return nil
	}
	return d.String()
}

// decimalScanner reads DECIMAL columns (bytes or strings on MySQL, text on
// SQLite) into an exact market.Decimal.
type decimalScanner struct{ dst *sql.Null[market.Decimal] }

func (s decimalScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.dst = sql.Null[market.Decimal]{}
		return nil
	case []byte:
		return s.parse(string(v))
	case string:
		return s.parse(v)
	case int64:
		*s.dst = market.Some(market.DecimalFromInt(v))
		return nil
	case float64:
		d, err := market.DecimalFromFloat(v, market.MaxDecimals)
		if err != nil {
			return err
		}
		*s.dst = market.Some(d)
		return nil
	}
	return fmt.Errorf("store: cannot read %T as a decimal", v)
}

func (s decimalScanner) parse(str string) error {
	d, err := market.ParseDecimal(str)
	if err != nil {
		return err
	}
	*s.dst = market.Some(d)
	return nil
}

// dateScanner reads DATE columns. MySQL with parseTime hands back a
// time.Time in the driver's loc; its civil date is the stored one whatever
// that loc is, so the fields are taken as they are, never converted.
type dateScanner struct{ dst *market.Date }

func (s dateScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.dst = 0
		return nil
	case time.Time:
		*s.dst = market.NewDate(v.Year(), v.Month(), v.Day())
		return nil
	case []byte:
		return s.parse(string(v))
	case string:
		return s.parse(v)
	}
	return fmt.Errorf("store: cannot read %T as a date", v)
}

func (s dateScanner) parse(str string) error {
	if len(str) > len(time.DateOnly) {
		str = str[:len(time.DateOnly)]
	}
	d, err := market.ParseDate(str)
	if err != nil {
		return err
	}
	*s.dst = d
	return nil
}

// scanValues decodes the driver's values of one bar row (date, open,
// high, low, close, volume, halted) as the Scanners above and
// database/sql would, parsing bytes in place: a scan of millions of rows
// pays no allocation per value.
func scanValues(v []driver.Value) (market.Bar, error) {
	var b market.Bar
	var err error
	if b.Date, err = dateValue(v[0]); err != nil {
		return b, err
	}
	if b.Open, err = decimalValue(v[1]); err != nil {
		return b, err
	}
	if b.High, err = decimalValue(v[2]); err != nil {
		return b, err
	}
	if b.Low, err = decimalValue(v[3]); err != nil {
		return b, err
	}
	cl, err := decimalValue(v[4])
	if err != nil {
		return b, err
	}
	b.Close = cl.V
	if b.Volume, err = volumeValue(v[5]); err != nil {
		return b, err
	}
	if b.Halted, err = boolValue(v[6], "halted"); err != nil {
		return b, err
	}
	return b, nil
}

// boolValue reads a BOOLEAN column, named what in errors.
func boolValue(v driver.Value, what string) (bool, error) {
	if n, ok := v.(int64); ok {
		if n != 0 && n != 1 {
			return false, fmt.Errorf("store: cannot read %d as %s", n, what)
		}
		return n == 1, nil
	}
	bv, err := driver.Bool.ConvertValue(v)
	if err != nil {
		return false, fmt.Errorf("store: cannot read %v as %s: %w", v, what, err)
	}
	return bv.(bool), nil
}

// The slow paths below keep their Scanner targets to themselves: a
// pointer into the bar would move every bar to the heap.

func dateValue(v driver.Value) (market.Date, error) {
	switch t := v.(type) {
	case time.Time:
		// Fields as they are, never converted: see dateScanner.
		y, m, d := t.Date()
		return market.Date(y*10000 + int(m)*100 + d), nil
	case []byte:
		return dateBytes(t)
	}
	var d market.Date
	err := dateScanner{&d}.Scan(v)
	return d, err
}

func volumeValue(v driver.Value) (sql.Null[int64], error) {
	switch n := v.(type) {
	case int64:
		return market.Some(n), nil
	case nil:
		return sql.Null[int64]{}, nil
	}
	var n sql.Null[int64]
	if err := n.Scan(v); err != nil {
		return n, fmt.Errorf("store: cannot read %v as a volume: %w", v, err)
	}
	return n, nil
}

func decimalValue(v driver.Value) (sql.Null[market.Decimal], error) {
	if b, ok := v.([]byte); ok {
		return nullDecimalBytes(b)
	}
	var d sql.Null[market.Decimal]
	err := decimalScanner{&d}.Scan(v)
	return d, err
}

func nullDecimalBytes(v []byte) (sql.Null[market.Decimal], error) {
	if v == nil {
		return sql.Null[market.Decimal]{}, nil
	}
	d, err := market.ParseDecimalBytes(v)
	if err != nil {
		return sql.Null[market.Decimal]{}, err
	}
	return market.Some(d), nil
}

// dateBytes reads a DATE the driver printed: "2016-03-07", or a time
// ("2016-03-07T00:00:00Z") whose civil date is the stored one.
func dateBytes(v []byte) (market.Date, error) {
	if v == nil {
		return 0, nil
	}
	if len(v) >= 10 && v[4] == '-' && v[7] == '-' {
		y, ok1 := digits(v[0:4])
		m, ok2 := digits(v[5:7])
		d, ok3 := digits(v[8:10])
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) {
			return market.Date(y*10000 + m*100 + d), nil
		}
	}
	return dateScannerParse(v)
}

var monthDays = [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func daysIn(year, month int) int {
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return monthDays[month-1]
}

func dateScannerParse(v []byte) (market.Date, error) {
	var d market.Date
	err := dateScanner{&d}.parse(string(v))
	return d, err
}

func digits(v []byte) (int, bool) {
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// timeScanner reads DATETIME columns into UTC times; NULL is the zero time.
type timeScanner struct{ dst *time.Time }

func (s timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.dst = time.Time{}
		return nil
	case time.Time:
		*s.dst = v.UTC()
		return nil
	case []byte:
		return s.parse(string(v))
	case string:
		return s.parse(v)
	}
	return fmt.Errorf("store: cannot read %T as a time", v)
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

func (s timeScanner) parse(str string) error {
	str = strings.TrimSpace(str)
	// modernc appends " +0000 UTC"-style suffixes from time.Time.String.
	if i := strings.Index(str, " m="); i >= 0 {
		str = str[:i]
	}
	for _, l := range append(timeLayouts, "2006-01-02 15:04:05.999999999 -0700 MST") {
		if t, err := time.Parse(l, str); err == nil {
			*s.dst = t.UTC()
			return nil
		}
	}
	if n, err := strconv.ParseInt(str, 10, 64); err == nil {
		*s.dst = time.Unix(n, 0).UTC()
		return nil
	}
	return fmt.Errorf("store: cannot read %q as a time", str)
}

// placeholders renders "(?, ?, …)" for n columns.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}
