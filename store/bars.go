package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const (
	barSelectCols = `trade_date, open, high, low, close, adj_close, volume, halted, is_final`
	barSelect     = `SELECT ` + barSelectCols + ` FROM bars`
)

func scanBar(rows *sql.Rows, extra ...any) (market.Bar, error) {
	var b market.Bar
	var cl sql.Null[market.Decimal]
	dest := append(extra, dateScanner{&b.Date}, decimalScanner{&b.Open}, decimalScanner{&b.High},
		decimalScanner{&b.Low}, decimalScanner{&cl}, decimalScanner{&b.AdjClose}, &b.Volume, &b.Halted, &b.Final)
	if err := rows.Scan(dest...); err != nil {
		return b, err
	}
	b.Close = cl.V
	return b, nil
}

func queryBars(ctx context.Context, q querier, k market.Key, from, to market.Date) ([]market.Bar, error) {
	query := barSelect + ` WHERE source = ? AND symbol = ?`
	args := []any{k.Source, k.Symbol}
	if from != 0 {
		query += ` AND trade_date >= ?`
		args = append(args, from.String())
	}
	if to != 0 {
		query += ` AND trade_date <= ?`
		args = append(args, to.String())
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY trade_date`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []market.Bar
	for rows.Next() {
		b, err := scanBar(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Bars returns key's bars dated from..to inclusive (zero: unbounded), by date.
func (s *Store) Bars(ctx context.Context, key market.Key, from, to market.Date) ([]market.Bar, error) {
	bars, err := queryBars(ctx, s.db, key, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: read bars of %s: %w", key, err)
	}
	return bars, nil
}
