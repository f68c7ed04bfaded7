package naver

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// row is one session as a feed gives it, before the halt and provisional
// rules turn it into a Bar. A field the feed left empty is invalid.
type row struct {
	date            market.Date
	open, high, low field[market.Decimal]
	close           field[market.Decimal]
	volume          field[int64]
}

type field[T any] struct {
	v     T
	valid bool
}

// cleanNumber strips what Naver puts around numbers: thousands separators
// and whitespace ("15,653,425", " 275000 ").
func cleanNumber(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, ", \t\r\n") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ',', ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, s)
	}
	return s
}

// parsePrice parses a price; "" and "null" are missing. A negative one is
// kept for the collector's sanity rule to skip with its row alone
// (market.DropBadBars), not failing the whole answer here.
func parsePrice(s string) (field[market.Decimal], error) {
	s = cleanNumber(s)
	if s == "" || s == "null" {
		return field[market.Decimal]{}, nil
	}
	d, err := market.ParseDecimal(s)
	if err != nil {
		return field[market.Decimal]{}, err
	}
	return field[market.Decimal]{v: d, valid: true}, nil
}

// parseVolume parses a share count; "" and "null" are missing; a negative
// one is kept, as parsePrice keeps negative prices.
func parseVolume(s string) (field[int64], error) {
	s = cleanNumber(s)
	if s == "" || s == "null" {
		return field[int64]{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return field[int64]{}, fmt.Errorf("invalid volume %q", s)
	}
	return field[int64]{v: n, valid: true}, nil
}

// parseRow parses the six cells date, open, high, low, close, volume.
func parseRow(date, open, high, low, closing, volume string) (row, error) {
	var r row
	var err error
	if r.date, err = market.ParseCompactDate(strings.TrimSpace(date)); err != nil {
		return r, err
	}
	var errs []error
	for _, p := range []struct {
		name string
		s    string
		dst  *field[market.Decimal]
	}{{"open", open, &r.open}, {"high", high, &r.high}, {"low", low, &r.low}, {"close", closing, &r.close}} {
		if *p.dst, err = parsePrice(p.s); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.date, p.name, err))
		}
	}
	if r.volume, err = parseVolume(volume); err != nil {
		errs = append(errs, fmt.Errorf("%s volume: %w", r.date, err))
	}
	return r, errors.Join(errs...)
}

// bar applies Naver's conventions to a row. A halted session comes as
// open = high = low = 0 with volume 0 and the close carried over: it is
// kept as a halt with open, high and low missing, never as prices of 0.
// A lone 0 among open/high/low is missing data too. A row without a close
// cannot be a bar and becomes a skip note.
func (r row) bar() (market.Bar, *market.Note) {
	if !r.close.valid || r.close.v == 0 {
		return market.Bar{}, &market.Note{Date: r.date, Skipped: true, Reason: "naver: no close price"}
	}
	b := market.Bar{Date: r.date, Close: r.close.v}
	if r.volume.valid {
		b.Volume = market.Some(r.volume.v)
	}
	zero := func(f field[market.Decimal]) bool { return !f.valid || f.v == 0 }
	if zero(r.open) && zero(r.high) && zero(r.low) && r.volume.valid && r.volume.v == 0 {
		b.Halted = true
		return b, &market.Note{Date: r.date, Reason: "naver: trading halted (open, high, low 0 and volume 0); close carried over, open/high/low recorded as missing"}
	}
	var missing []string
	for _, p := range []struct {
		name string
		f    field[market.Decimal]
		dst  *sql.Null[market.Decimal]
	}{{"open", r.open, &b.Open}, {"high", r.high, &b.High}, {"low", r.low, &b.Low}} {
		if zero(p.f) {
			missing = append(missing, p.name)
			continue
		}
		*p.dst = market.Some(p.f.v)
	}
	if len(missing) > 0 {
		return b, &market.Note{Date: r.date, Reason: "naver: " + strings.Join(missing, ", ") + " missing or 0; recorded as missing"}
	}
	return b, nil
}

// series turns rows into a Series: bars ascending with one per date (a
// later row for the same date wins: the feeds list the newest figures
// last), sessions that have not closed dropped.
func series(code string, rows []row, k clock) market.Series {
	s := market.Series{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Currency: "KRW"}
	slices.SortStableFunc(rows, func(a, b row) int { return int(a.date) - int(b.date) })
	for i, r := range rows {
		if i+1 < len(rows) && rows[i+1].date == r.date {
			continue
		}
		if !k.keeps(r.date) {
			continue
		}
		b, note := r.bar()
		if note != nil {
			s.Notes = append(s.Notes, *note)
		}
		if note == nil || !note.Skipped {
			s.Bars = append(s.Bars, b)
		}
	}
	return s
}
