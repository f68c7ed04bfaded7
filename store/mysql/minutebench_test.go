package mysql_test

import (
	"context"
	"testing"

	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// BenchmarkWriteMinutes writes 1,000 KRX codes' session of 1m bars
// (390,000 rows) in calls of 100 codes: new rows go through LOAD DATA.
// MB_per_Mrows is InnoDB's data and index length after ANALYZE TABLE.
func BenchmarkWriteMinutes(b *testing.B) {
	s := openFresh(b, mysql.Config{})
	storetest.BenchWriteMinutes(b, s, 1000, 100, func(ctx context.Context) (int64, error) {
		if _, err := s.DB().ExecContext(ctx, "ANALYZE TABLE minute_bars"); err != nil {
			return 0, err
		}
		var n int64
		err := s.DB().QueryRowContext(ctx, `SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.PARTITIONS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'minute_bars'`).Scan(&n)
		return n, err
	})
}
