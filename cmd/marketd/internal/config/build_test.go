package config

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// A URL the driver refuses is a configuration mistake; a SQLite file opens
// unmigrated, and CheckSchema says so until it is migrated.
func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	c := Default()
	c.Database.URL = "mysql://root@127.0.0.1:3306/x?tls=maybe"
	var bad *DatabaseError
	if _, err := c.OpenStore(ctx); !errors.As(err, &bad) {
		t.Errorf("OpenStore(%s) = %v, want a DatabaseError", c.Database.URL, err)
	}
	c.Database.URL = "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	st, err := c.OpenStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var behind *store.SchemaBehindError
	if err := st.Prepare(ctx, false); !errors.As(err, &behind) || behind.Have != 0 || err.Error() != "has no marketd schema yet" {
		t.Errorf("Prepare without migrating, before any migration = %v", err)
	}
	before, after, err := st.Upgrade(ctx)
	if err != nil || before != 0 || after != behind.Want {
		t.Errorf("Upgrade = %d, %d, %v; want 0, %d", before, after, err, behind.Want)
	}
	if err := st.Prepare(ctx, false); err != nil {
		t.Errorf("Prepare without migrating, after Upgrade = %v", err)
	}
	if err := st.Prepare(ctx, true); err != nil {
		t.Errorf("Prepare with nothing to migrate = %v", err)
	}
	if got := (Database{URL: "mysql://marketd:secret@db:3306/marketd"}).Name(); got != "mysql://marketd:xxxxx@db:3306/marketd" {
		t.Errorf("Name = %q", got)
	}
}

// The configured overrides reach the calendars, and the validator watches
// every scheduled job but itself.
func TestBookAndDeadManJobs(t *testing.T) {
	c := Default()
	c.CalendarOverrides = []CalendarOverride{{Market: "KOSPI", Date: 20260603, Reason: "election"}}
	cal, err := c.Book(nil).For(context.Background(), market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsSession(20260603) {
		t.Error("the configured closure of 2026-06-03 is a session")
	}
	c.Schedule.Jobs = []schedule.JobSpec{
		{Name: "collect-us", Cron: "0 0 22 * * MON-FRI", TZ: "UTC"},
		{Name: schedule.JobValidate, Cron: "0 0 7 * * *", TZ: "UTC"},
	}
	jobs := c.DeadManJobs(time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC))
	if len(jobs) != 1 || jobs[0].Name != "collect-us" || jobs[0].Period != 72*time.Hour {
		t.Errorf("DeadManJobs = %+v, want collect-us every 72h (Friday to Monday)", jobs)
	}
}

// Open with migrate readies the schema as database.auto_migrate says, and
// says what to run when it may not migrate; one daemon per SQLite file.
func TestOpenAndLock(t *testing.T) {
	ctx := context.Background()
	c := Default()
	c.Database.URL = "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	c.Database.AutoMigrate = false
	if _, err := c.Open(ctx, true); err == nil || !strings.HasSuffix(err.Error(), "has no marketd schema yet: run `marketd migrate` first (database.auto_migrate is false)") {
		t.Errorf("Open without auto_migrate = %v", err)
	}
	c.Database.AutoMigrate = true
	st, err := c.Open(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		t.Errorf("after Open with auto_migrate: %v", err)
	}
	unlock, err := c.Database.LockDaemon()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Database.LockDaemon(); err == nil {
		t.Error("a second daemon took the SQLite file's lock")
	}
	if err := unlock(); err != nil {
		t.Error(err)
	}
	unlock, err = Database{URL: "mysql://db/m"}.LockDaemon()
	if err != nil || unlock() != nil {
		t.Errorf("MySQL LockDaemon = %v", err)
	}
}
