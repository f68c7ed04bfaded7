package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/marketd/marketd/store/storetest"
)

// TestReadPlans checks that SQLite answers each query of the README's
// "Reading the data" through primary keys, a joined table by its whole
// key, without a scan or a sort.
func TestReadPlans(t *testing.T) {
	s := storetest.OpenSQLite(t)
	storetest.ReadPlans(t, s, "../../README.md", func(q storetest.ReadQuery) error {
		ctx := context.Background()
		if _, err := s.DB().ExecContext(ctx, "ANALYZE"); err != nil {
			return err
		}
		rows, err := s.DB().QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var steps []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			steps = append(steps, detail)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i, d := range steps {
			if !strings.HasPrefix(d, "SEARCH ") || !strings.Contains(d, " USING PRIMARY KEY (") {
				return fmt.Errorf("step %q is not a primary-key search (plan: %q)", d, steps)
			}
			// A joined table (bars, after latest_bars) is read by its whole key.
			if i > 0 && !strings.HasSuffix(d, "trade_date=?)") {
				return fmt.Errorf("step %q is not a lookup of one bar (plan: %q)", d, steps)
			}
		}
		if len(steps) == 0 {
			return fmt.Errorf("no plan")
		}
		return nil
	})
}
