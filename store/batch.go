package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// multiInsert accumulates rows into multi-row INSERT statements, sending
// one whenever the next row would pass the dialect's placeholder or
// statement-size bound, so a write of any size holds one statement's
// worth of rows in memory.
type multiInsert struct {
	tx       *sql.Tx
	head     string // INSERT INTO t (cols) VALUES
	tail     string // conflict clause
	row      string // (?, ?, …)
	cols     int
	maxRows  int
	maxBytes int

	args  []any
	lit   []byte   // head and rows so far, when rows are added as literals
	keys  []string // instruments in the pending statement, to name in errors
	rows  int
	bytes int
	sb    strings.Builder
}

func newMultiInsert(tx *sql.Tx, d Dialect, table string, cols []string, tail string) *multiInsert {
	m := &multiInsert{
		tx:       tx,
		head:     "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		tail:     tail,
		row:      placeholders(len(cols)),
		cols:     len(cols),
		maxRows:  max(1, d.MaxParams/len(cols)),
		maxBytes: d.MaxStatementBytes,
	}
	return m
}

// maxLiteralRows bounds a literal statement: past a few thousand rows a
// larger statement is no faster, only larger in memory.
const maxLiteralRows = 5000

// addLiteral queues one row already rendered as SQL text "(v, v, …)".
// Only values the store renders itself (numbers, dates, checked keys)
// may be written this way; it spares the driver interpolating millions of
// arguments on the bulk write path.
func (m *multiInsert) addLiteral(ctx context.Context, key string, row []byte) error {
	if m.rows > 0 && (m.rows >= maxLiteralRows || m.maxBytes > 0 && len(m.lit)+len(row)+len(m.tail) > m.maxBytes) {
		if err := m.flush(ctx); err != nil {
			return err
		}
	}
	if m.rows == 0 {
		m.lit = append(m.lit[:0], m.head...)
	} else {
		m.lit = append(m.lit, ", "...)
	}
	if len(m.keys) == 0 || m.keys[len(m.keys)-1] != key {
		m.keys = append(m.keys, key)
	}
	m.lit = append(m.lit, row...)
	m.rows++
	return nil
}

// add queues one row of instrument key; rowBytes bounds its size once
// written into SQL.
func (m *multiInsert) add(ctx context.Context, key string, rowBytes int, vals ...any) error {
	if m.rows > 0 && (m.rows >= m.maxRows || m.maxBytes > 0 && m.bytes+rowBytes > m.maxBytes) {
		if err := m.flush(ctx); err != nil {
			return err
		}
	}
	if m.rows == 0 {
		m.bytes = len(m.head) + len(m.tail)
	}
	if len(m.keys) == 0 || m.keys[len(m.keys)-1] != key {
		m.keys = append(m.keys, key)
	}
	m.args = append(m.args, vals...)
	m.rows++
	m.bytes += rowBytes
	return nil
}

func (m *multiInsert) flush(ctx context.Context) error {
	if m.rows == 0 {
		return nil
	}
	var err error
	if len(m.lit) > 0 {
		m.lit = append(m.lit, m.tail...)
		_, err = m.tx.ExecContext(ctx, string(m.lit))
		m.lit = m.lit[:0]
	} else {
		m.sb.Reset()
		m.sb.Grow(len(m.head) + len(m.tail) + m.rows*(len(m.row)+2))
		m.sb.WriteString(m.head)
		for i := range m.rows {
			if i > 0 {
				m.sb.WriteString(", ")
			}
			m.sb.WriteString(m.row)
		}
		m.sb.WriteString(m.tail)
		_, err = m.tx.ExecContext(ctx, m.sb.String(), m.args...)
	}
	if err != nil {
		// The database does not say which row it refused; name the
		// instruments the statement held.
		names := m.keys
		if len(names) > 5 {
			names = append(names[:5:5], fmt.Sprintf("and %d more", len(m.keys)-5))
		}
		err = fmt.Errorf("%s: %w", strings.Join(names, ", "), err)
	}
	clear(m.args)
	m.args, m.keys, m.rows = m.args[:0], m.keys[:0], 0
	return err
}
