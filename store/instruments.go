package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// AddInstruments inserts new instruments and reactivates inactive ones,
// filling in descriptive fields (market, board, type, currency, name, listing
// dates) that the stored row lacks. Adding an active instrument again
// changes nothing.
func (s *Store) AddInstruments(ctx context.Context, insts []market.Instrument) (AddResult, error) {
	for _, in := range insts {
		if !validKey(in.Key) {
			return AddResult{}, fmt.Errorf("store: add instrument %q: %w: source and symbol must be 1-32 of A-Z a-z 0-9 . - _ ^ = & / +", in.Key, ErrInvalid)
		}
	}
	var res AddResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = AddResult{}
		now := s.now()
		for _, in := range insts {
			var active bool
			err := tx.QueryRowContext(ctx, `SELECT active FROM instruments WHERE source = ? AND symbol = ?`,
				in.Source, in.Symbol).Scan(&active)
			switch {
			case err == sql.ErrNoRows:
				_, err = tx.ExecContext(ctx, `INSERT INTO instruments
					(source, symbol, market, board, instrument_type, intraday, currency, name, time_zone, active, listed, delisted, added_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
					in.Source, in.Symbol, in.Market, in.Board, in.Type, intradayArg(in.Intraday), in.Currency, in.Name, timeZone(in.Market),
					nullDateArg(in.Listed), nullDateArg(in.Delisted), now)
				if err != nil {
					return fmt.Errorf("store: add instrument %s: %w", in.Key, err)
				}
				res.Added++
				continue
			case err != nil:
				return fmt.Errorf("store: add instrument %s: %w", in.Key, err)
			}
			// Fill what is known now and was not before; never erase.
			_, err = tx.ExecContext(ctx, `UPDATE instruments SET active = 1,
				market = CASE WHEN ? <> '' THEN ? ELSE market END,
				board = CASE WHEN ? <> '' THEN ? ELSE board END,
				instrument_type = CASE WHEN ? <> '' THEN ? ELSE instrument_type END,
				intraday = CASE WHEN ? <> '' THEN ? ELSE intraday END,
				currency = CASE WHEN ? <> '' THEN ? ELSE currency END,
				name = CASE WHEN ? <> '' THEN ? ELSE name END,
				time_zone = CASE WHEN ? <> '' THEN ? ELSE time_zone END,
				listed = COALESCE(?, listed),
				delisted = COALESCE(?, delisted)
				WHERE source = ? AND symbol = ?`,
				in.Market, in.Market, in.Board, in.Board, in.Type, in.Type,
				intradayArg(in.Intraday), intradayArg(in.Intraday), in.Currency, in.Currency, in.Name, in.Name,
				timeZone(in.Market), timeZone(in.Market), nullDateArg(in.Listed), nullDateArg(in.Delisted),
				in.Source, in.Symbol)
			if err != nil {
				return fmt.Errorf("store: reactivate instrument %s: %w", in.Key, err)
			}
			if active {
				res.Unchanged++
			} else {
				res.Reactivated++
			}
		}
		return nil
	})
	if err != nil {
		return AddResult{}, err
	}
	return res, nil
}

func timeZone(code string) string {
	if code == "" {
		return ""
	}
	m, err := market.LookupMarket(code)
	if err != nil {
		return ""
	}
	return m.Location.String()
}

// DeactivateInstruments marks instruments inactive, keeping their bars,
// and returns how many were active before.
func (s *Store) DeactivateInstruments(ctx context.Context, keys []market.Key) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, k := range keys {
			r, err := tx.ExecContext(ctx, `UPDATE instruments SET active = 0 WHERE source = ? AND symbol = ? AND active = 1`,
				k.Source, k.Symbol)
			if err != nil {
				return fmt.Errorf("store: deactivate instrument %s: %w", k, err)
			}
			c, err := r.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: deactivate instrument %s: %w", k, err)
			}
			n += int(c)
		}
		return nil
	})
	return n, err
}

// SetIntraday sets the intraday interval collected for each of keys: 1m,
// 5m or 60m, or 0 to stop collecting minute bars (those stored stay). It
// changes every instrument or none: an unknown key is an error naming it.
// It returns how many instruments changed.
func (s *Store) SetIntraday(ctx context.Context, keys []market.Key, iv market.Interval) (int, error) {
	if iv != 0 && !iv.Intraday() {
		return 0, fmt.Errorf("store: set intraday interval %s: %w: want 1m, 5m, 60m or off", iv, ErrInvalid)
	}
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, k := range keys {
			var cur string
			err := tx.QueryRowContext(ctx, `SELECT intraday FROM instruments WHERE source = ? AND symbol = ?`,
				k.Source, k.Symbol).Scan(&cur)
			if err == sql.ErrNoRows {
				return fmt.Errorf("store: set intraday interval of %s: %w", k, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("store: set intraday interval of %s: %w", k, err)
			}
			if cur == intradayArg(iv) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE instruments SET intraday = ? WHERE source = ? AND symbol = ?`,
				intradayArg(iv), k.Source, k.Symbol); err != nil {
				return fmt.Errorf("store: set intraday interval of %s: %w", k, err)
			}
			n++
		}
		return nil
	})
	return n, err
}

// intradayArg is how an instrument's intraday interval is stored: its
// spelling, ” for none.
func intradayArg(iv market.Interval) string {
	if iv == 0 {
		return ""
	}
	return iv.String()
}

// Instruments returns the instruments f selects, by source then symbol.
func (s *Store) Instruments(ctx context.Context, f InstrumentFilter) ([]market.Instrument, error) {
	var where []string
	var args []any
	if f.Source != "" {
		where, args = append(where, "source = ?"), append(args, f.Source)
	}
	if f.Market != "" {
		where, args = append(where, "market = ?"), append(args, f.Market)
	}
	if f.Board != "" {
		where, args = append(where, "board = ?"), append(args, f.Board)
	}
	if len(f.Symbols) > 0 {
		where = append(where, "symbol IN "+placeholders(len(f.Symbols)))
		for _, sym := range f.Symbols {
			args = append(args, sym)
		}
	}
	if f.ActiveOnly {
		where = append(where, "active = 1")
	}
	if f.IntradayOnly {
		where = append(where, "intraday <> ''")
	}
	query := `SELECT source, symbol, market, board, instrument_type, intraday, currency, name, active, listed, delisted FROM instruments`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, query+" ORDER BY source, symbol", args...)
	if err != nil {
		return nil, fmt.Errorf("store: read instruments: %w", err)
	}
	defer rows.Close()
	var out []market.Instrument
	for rows.Next() {
		var in market.Instrument
		var intraday string
		if err := rows.Scan(&in.Source, &in.Symbol, &in.Market, &in.Board, &in.Type, &intraday, &in.Currency, &in.Name, &in.Active,
			dateScanner{&in.Listed}, dateScanner{&in.Delisted}); err != nil {
			return nil, fmt.Errorf("store: read instruments: %w", err)
		}
		if intraday != "" {
			if in.Intraday, err = market.ParseInterval(intraday); err != nil {
				return nil, fmt.Errorf("store: read instrument %s: intraday: %w", in.Key, err)
			}
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read instruments: %w", err)
	}
	return out, nil
}

// AddResult counts the instruments of an AddInstruments call.
type AddResult struct {
	Added       int // new instruments
	Reactivated int // inactive instruments made active again
	Unchanged   int // already present and active
}

// InstrumentFilter selects instruments; zero fields select everything.
type InstrumentFilter struct {
	Source string
	Market string
	// Board narrows a market to one of its boards (KOSPI, KOSDAQ); an
	// instrument stored without a board is on none of them.
	Board      string
	Symbols    []string
	ActiveOnly bool
	// IntradayOnly selects the instruments with an intraday interval set.
	IntradayOnly bool
}

// UnknownSymbolsError names the symbols asked for that a source does not
// have (among the instruments a filter selects).
type UnknownSymbolsError struct {
	Source  string
	Symbols []string
}

func (e *UnknownSymbolsError) Error() string {
	return fmt.Sprintf("%s has no %s", e.Source, strings.Join(e.Symbols, ", "))
}

// CheckSymbols returns an *UnknownSymbolsError naming the symbols of
// f.Symbols that no instrument f selects has, in the order given: what a
// command refuses before acting on a list the user typed (a typo must not
// pass for an empty run).
func (s *Store) CheckSymbols(ctx context.Context, f InstrumentFilter) error {
	known, err := s.Instruments(ctx, f)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(known))
	for _, in := range known {
		have[in.Symbol] = true
	}
	var missing []string
	for _, sym := range f.Symbols {
		if !have[sym] {
			missing = append(missing, sym)
		}
	}
	if len(missing) > 0 {
		return &UnknownSymbolsError{Source: f.Source, Symbols: missing}
	}
	return nil
}
