package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// MinuteWrite is one instrument's intraday bars of one interval.
type MinuteWrite struct {
	Key      market.Key
	Interval market.Interval // 1m, 5m or 60m
	Bars     []market.MinuteBar
}

var (
	minuteKey  = []string{"source", "symbol", "bar_interval", "starts_at"}
	minuteData = []string{"open", "high", "low", "close", "volume"}
	minuteCols = append(append([]string{}, minuteKey...), minuteData...)
)

// minuteLayout is how starts_at travels to and from SQL: UTC text, so that
// neither the driver's loc nor the session's time_zone can move it.
const minuteLayout = "2006-01-02 15:04:05"

// WriteMinutes stores the intraday bars of batch in one transaction and
// counts them as Write counts daily bars: writing the same bars again
// changes nothing, a restated value (the archive filling the open, high and
// low a live poll could not see) counts Changed.
//
// New bars go through the dialect's bulk loader where it has one, the
// restated ones through an upsert. On a partitioned table (MySQL) the
// monthly partitions the bars need are added first: partition DDL commits
// implicitly, so it cannot run inside the transaction.
func (s *Store) WriteMinutes(ctx context.Context, batch []MinuteWrite) (WriteResult, error) {
	var lo, hi time.Time
	seen := make(map[minuteSeries]struct{}, len(batch))
	for _, w := range batch {
		if err := validateMinuteWrite(w); err != nil {
			return WriteResult{}, err
		}
		ser := minuteSeries{w.Key, w.Interval}
		if _, dup := seen[ser]; dup {
			return WriteResult{}, fmt.Errorf("store: write %s %s minutes: %w: series twice in one batch", w.Key, w.Interval, ErrInvalid)
		}
		seen[ser] = struct{}{}
		for _, b := range w.Bars {
			if lo.IsZero() || b.Start.Before(lo) {
				lo = b.Start
			}
			if b.Start.After(hi) {
				hi = b.Start
			}
		}
	}
	if lo.IsZero() {
		return WriteResult{}, nil
	}
	if p := s.d.MonthPartitions; p != nil {
		// A month ahead, so that the month's turn finds its partition there.
		if err := p.EnsureMonths(ctx, s.db, "minute_bars", lo, hi.AddDate(0, 1, 0)); err != nil {
			return WriteResult{}, fmt.Errorf("store: add minute_bars partitions for %s..%s: %w",
				lo.Format(minuteLayout), hi.Format(minuteLayout), err)
		}
	}
	res, err := s.writeMinutes(ctx, batch, s.d.BulkLoad)
	if errors.Is(err, errBulkRefused) {
		res, err = s.writeMinutes(ctx, batch, nil)
	}
	return res, err
}

type minuteSeries struct {
	key market.Key
	iv  market.Interval
}

func validateMinuteWrite(w MinuteWrite) error {
	if !validKey(w.Key) {
		return fmt.Errorf("store: write minutes of %q: %w: source and symbol must be 1-32 of A-Z a-z 0-9 . - _ ^ = & / +", w.Key, ErrInvalid)
	}
	if !w.Interval.Intraday() {
		return fmt.Errorf("store: write minutes of %s: %w: interval %s is not intraday", w.Key, ErrInvalid, w.Interval)
	}
	seen := make(map[int64]struct{}, len(w.Bars))
	for _, b := range w.Bars {
		sec := b.Start.Unix()
		switch {
		case b.Start.IsZero():
			return fmt.Errorf("store: write %s %s: %w: bar without a start", w.Key, w.Interval, ErrInvalid)
		case b.Start.Nanosecond() != 0 || sec%60 != 0:
			return fmt.Errorf("store: write %s %s: %w: bar start %s is not on a whole minute", w.Key, w.Interval, ErrInvalid, b.Start.UTC().Format(time.RFC3339Nano))
		case b.Start.Year() < 2000 || b.Start.Year() > 9999:
			return fmt.Errorf("store: write %s %s: %w: bar start %s is out of range", w.Key, w.Interval, ErrInvalid, b.Start.UTC().Format(time.RFC3339))
		}
		// Only the whole minute is checked, not the interval's boundary:
		// hourly bars start at the session's open (9:30 in New York).
		if _, dup := seen[sec]; dup {
			return fmt.Errorf("store: write %s %s: %w: two bars starting %s", w.Key, w.Interval, ErrInvalid, b.Start.UTC().Format(time.RFC3339))
		}
		seen[sec] = struct{}{}
	}
	return nil
}

// writeMinutes runs WriteMinutes' transaction, storing new bars through
// load when it is not nil.
func (s *Store) writeMinutes(ctx context.Context, batch []MinuteWrite, load BulkLoader) (WriteResult, error) {
	var res WriteResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = WriteResult{}
		ins := newMultiInsert(tx, s.d, "minute_bars", minuteCols, s.d.upsert(minuteKey, minuteData))
		var fresh []minuteRow
		for rest := batch; len(rest) > 0; {
			group := rest[:nextGroupOf(rest, func(w MinuteWrite) int { return len(w.Bars) })]
			rest = rest[len(group):]
			stored, err := readStoredMinutes(ctx, tx, group)
			if err != nil {
				return fmt.Errorf("store: read stored minute bars: %w", err)
			}
			for gi := range group {
				w := &group[gi]
				old := stored[minuteSeries{w.Key, w.Interval}]
				for i, b := range w.Bars {
					prev, exists := old[b.Start.Unix()]
					switch {
					case !exists:
						res.Inserted++
					case !sameMinuteData(prev, b):
						res.Changed++
					default:
						res.Unchanged++
						continue
					}
					if !exists && load != nil {
						fresh = append(fresh, minuteRow{w, int32(i)})
						if len(fresh) >= maxBulkRows {
							if err := loadMinutes(ctx, tx, load, fresh); err != nil {
								return err
							}
							fresh = fresh[:0]
						}
						continue
					}
					err := ins.add(ctx, w.Key.String(), 160+2*len(w.Key.Symbol), w.Key.Source, w.Key.Symbol, w.Interval.Minutes(),
						b.Start.UTC().Format(minuteLayout), nullDecimalArg(b.Open), nullDecimalArg(b.High), nullDecimalArg(b.Low),
						decimalArg(b.Close), nullInt(b.Volume))
					if err != nil {
						return fmt.Errorf("store: write %s %s minutes: %w", w.Key, w.Interval, err)
					}
				}
			}
		}
		if err := loadMinutes(ctx, tx, load, fresh); err != nil {
			return err
		}
		if err := ins.flush(ctx); err != nil {
			return fmt.Errorf("store: write minute bars: %w", err)
		}
		return nil
	})
	if err != nil {
		return WriteResult{}, err
	}
	return res, nil
}

// sameMinuteData reports whether two bars of the same start hold the same
// market data.
func sameMinuteData(a, b market.MinuteBar) bool {
	return a.Open == b.Open && a.High == b.High && a.Low == b.Low && a.Close == b.Close && a.Volume == b.Volume
}

// readStoredMinutes returns the stored bars of each write of ws within the
// span of its bars, by series and start (Unix seconds). Each series is one
// primary-key range.
func readStoredMinutes(ctx context.Context, q querier, ws []MinuteWrite) (map[minuteSeries]map[int64]market.MinuteBar, error) {
	var sb strings.Builder
	args := make([]any, 0, 5*len(ws))
	for _, w := range ws {
		if len(w.Bars) == 0 {
			continue
		}
		lo, hi := w.Bars[0].Start, w.Bars[0].Start
		for _, b := range w.Bars[1:] {
			if b.Start.Before(lo) {
				lo = b.Start
			}
			if b.Start.After(hi) {
				hi = b.Start
			}
		}
		if len(args) > 0 {
			sb.WriteString(" UNION ALL ")
		}
		sb.WriteString(`SELECT source, symbol, bar_interval, ` + minuteSelectCols + ` FROM minute_bars
			WHERE source = ? AND symbol = ? AND bar_interval = ? AND starts_at >= ? AND starts_at <= ?`)
		args = append(args, w.Key.Source, w.Key.Symbol, w.Interval.Minutes(), lo.UTC().Format(minuteLayout), hi.UTC().Format(minuteLayout))
	}
	out := make(map[minuteSeries]map[int64]market.MinuteBar, len(ws))
	if len(args) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ser minuteSeries
		var minutes int
		b, err := scanMinuteBar(rows, &ser.key.Source, &ser.key.Symbol, &minutes)
		if err != nil {
			return nil, err
		}
		if ser.iv, err = market.IntervalOfMinutes(minutes); err != nil {
			return nil, fmt.Errorf("%s: %w", ser.key, err)
		}
		m := out[ser]
		if m == nil {
			m = map[int64]market.MinuteBar{}
			out[ser] = m
		}
		m[b.Start.Unix()] = b
	}
	return out, rows.Err()
}

// minuteRow is one bar of a MinuteWrite to load: w.Bars[i].
type minuteRow struct {
	w *MinuteWrite
	i int32
}

// loadMinutes appends rows, known to be absent, through the bulk loader.
func loadMinutes(ctx context.Context, tx *sql.Tx, load BulkLoader, rows []minuteRow) error {
	if len(rows) == 0 {
		return nil
	}
	err := loadRows(ctx, tx, load, "minute_bars", minuteCols, len(rows), &tsvReader{rows: len(rows), render: func(b []byte, i int) []byte {
		return appendMinuteTSV(b, rows[i].w, rows[i].w.Bars[rows[i].i])
	}})
	if err != nil {
		return fmt.Errorf("store: load new minute bars: %w", err)
	}
	return nil
}

// appendMinuteTSV renders one bar as a line of the bulk loader's format.
// Keys passed validKey, so they hold no tab, newline or backslash.
func appendMinuteTSV(b []byte, w *MinuteWrite, bar market.MinuteBar) []byte {
	b = append(b, w.Key.Source...)
	b = append(b, '\t')
	b = append(b, w.Key.Symbol...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(w.Interval.Minutes()), 10)
	b = append(b, '\t')
	b = bar.Start.UTC().AppendFormat(b, minuteLayout)
	b = appendTSVNull(b, bar.Open)
	b = appendTSVNull(b, bar.High)
	b = appendTSVNull(b, bar.Low)
	b = append(b, '\t')
	b = bar.Close.Append(b)
	b = appendTSVVolume(b, bar.Volume)
	return append(b, '\n')
}
