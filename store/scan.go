package store

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

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

func nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
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
