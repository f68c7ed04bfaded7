package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// TestReadPlans checks that MariaDB answers each query of the README's
// "Reading the data" through primary keys (a lookup or a range of one),
// a joined table by its whole key, without a filesort or a temporary table.
func TestReadPlans(t *testing.T) {
	s := openFresh(t, mysql.Config{})
	storetest.ReadPlans(t, s, "../../README.md", func(q storetest.ReadQuery) error {
		ctx := context.Background()
		if _, err := s.DB().ExecContext(ctx, "ANALYZE TABLE bars, latest_bars, actions"); err != nil {
			return err
		}
		rows, err := s.DB().QueryContext(ctx, "EXPLAIN "+q.SQL, q.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			dest := make([]any, len(cols))
			for i := range vals {
				dest[i] = &vals[i]
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			step := map[string]string{}
			for i, c := range cols {
				step[strings.ToLower(c)] = vals[i].String
			}
			n++
			switch {
			case step["key"] != "PRIMARY":
				return fmt.Errorf("%s is read without its primary key: %v", step["table"], step)
			case !strings.Contains(" const eq_ref ref range ", " "+step["type"]+" "):
				return fmt.Errorf("%s is read by %s, not a key lookup or range: %v", step["table"], step["type"], step)
			case n > 1 && step["type"] != "eq_ref":
				return fmt.Errorf("%s, joined, is read by %s, not by its whole key (eq_ref): %v", step["table"], step["type"], step)
			case strings.Contains(step["extra"], "filesort") || strings.Contains(step["extra"], "temporary"):
				return fmt.Errorf("%s needs a sort: %v", step["table"], step)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no plan")
		}
		return nil
	})
}
