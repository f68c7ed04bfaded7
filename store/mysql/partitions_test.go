package mysql_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
)

func partitions(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT PARTITION_NAME FROM information_schema.PARTITIONS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'minute_bars' ORDER BY PARTITION_ORDINAL_POSITION`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func minuteAt(t *testing.T, s string) market.MinuteBar {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return market.MinuteBar{Start: v, Close: market.DecimalFromInt(1)}
}

// TestMinutePartitions: writes add the months they need (and the next one)
// without gaps; retention drops whole partitions and deletes no row of the
// months it keeps.
func TestMinutePartitions(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t, mysql.Config{})
	if got, want := partitions(t, s), []string{"p_start"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after migration: %v, want %v", got, want)
	}
	key := market.Key{Source: market.SourceNaver, Symbol: "005930"}
	write := func(starts ...string) {
		t.Helper()
		w := store.MinuteWrite{Key: key, Interval: market.Interval1m}
		for _, st := range starts {
			w.Bars = append(w.Bars, minuteAt(t, st))
		}
		if _, err := s.WriteMinutes(ctx, []store.MinuteWrite{w}); err != nil {
			t.Fatal(err)
		}
	}
	write("2026-01-05T00:00:00Z")
	if got, want := partitions(t, s), []string{"p_start", "p202601", "p202602"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after a January write: %v, want %v", got, want)
	}
	// April: March in between, none skipped. December 2025 lands in the
	// first monthly partition.
	write("2026-04-30T23:59:00Z", "2025-12-30T00:00:00Z")
	want := []string{"p_start", "p202601", "p202602", "p202603", "p202604", "p202605"}
	if got := partitions(t, s); !reflect.DeepEqual(got, want) {
		t.Fatalf("after an April write: %v, want %v", got, want)
	}
	write("2026-03-31T23:59:00Z", "2026-04-01T00:00:00Z")

	got, err := s.DropMinutePartitionsBefore(ctx, time.Date(2026, 4, 1, 8, 59, 0, 0, time.FixedZone("KST", 9*3600)))
	if err != nil {
		t.Fatal(err)
	}
	// 08:59 KST on April 1 is still March 31 in UTC: March is kept.
	if want := []string{"p_start", "p202601", "p202602"}; !reflect.DeepEqual(got.Partitions, want) || got.Rows != 0 {
		t.Errorf("dropped %+v, want partitions %v", got, want)
	}
	if got, want := partitions(t, s), []string{"p202603", "p202604", "p202605"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the drop: %v, want %v", got, want)
	}
	bars, err := s.MinuteBars(ctx, key, market.Interval1m, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, b := range bars {
		starts = append(starts, b.Start.Format(time.RFC3339))
	}
	if want := []string{"2026-03-31T23:59:00Z", "2026-04-01T00:00:00Z", "2026-04-30T23:59:00Z"}; !reflect.DeepEqual(starts, want) {
		t.Errorf("kept %v, want %v", starts, want)
	}
	// Past every partition: the drop first adds the month it cuts at and
	// the next, so the table keeps a partition to write into.
	got, err = s.DropMinutePartitionsBefore(ctx, time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"p202603", "p202604", "p202605", "p202606", "p202607"}; !reflect.DeepEqual(got.Partitions, want) {
		t.Errorf("dropped %v, want %v", got.Partitions, want)
	}
	if got, want := partitions(t, s), []string{"p202608", "p202609"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the second drop: %v, want %v", got, want)
	}
}

// TestMinutePartitionsForeign: a partition marketd did not make is named
// in the error rather than guessed at.
func TestMinutePartitionsForeign(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t, mysql.Config{})
	if _, err := s.DB().Exec(`ALTER TABLE minute_bars ADD PARTITION (PARTITION pmax VALUES LESS THAN (MAXVALUE))`); err != nil {
		t.Fatal(err)
	}
	_, err := s.WriteMinutes(ctx, []store.MinuteWrite{{Key: market.Key{Source: "naver", Symbol: "005930"}, Interval: market.Interval1m,
		Bars: []market.MinuteBar{minuteAt(t, "2026-01-05T00:00:00Z")}}})
	if err == nil || !strings.Contains(err.Error(), "partition pmax of minute_bars: not one marketd made") {
		t.Fatalf("write with a foreign partition: %v", err)
	}
}
