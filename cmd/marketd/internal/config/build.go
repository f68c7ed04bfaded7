package config

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/sqlite"
	"github.com/marketd/marketd/validate"
	"github.com/marketd/marketd/validate/mailer"
)

// This file builds what the configuration describes: the database, the
// calendars with their overrides, the mailer.

// DatabaseError is a database URL the driver refuses: a mistake in the
// configuration, not a failure to reach the server.
type DatabaseError struct{ Err error }

func (e *DatabaseError) Error() string { return "database: " + e.Err.Error() }
func (e *DatabaseError) Unwrap() error { return e.Err }

// OpenStore opens the configured database, unmigrated.
func (c Config) OpenStore(ctx context.Context) (*store.Store, error) {
	switch db := c.Database; db.Scheme() {
	case SchemeMySQL:
		p := c.DatabasePool
		st, err := mysql.Open(ctx, mysql.Config{URL: db.URL, MaxOpen: p.MaxOpen, MaxIdle: p.MaxIdle,
			ConnMaxLifetime: p.ConnMaxLifetime, ConnMaxIdleTime: p.ConnMaxIdleTime})
		// Failing to reach or log in to the server is an *OpenError; any
		// other failure means the driver refused the URL.
		var oe *mysql.OpenError
		if err != nil && !errors.As(err, &oe) {
			return nil, &DatabaseError{err}
		}
		return st, err
	case SchemeSQLite:
		return sqlite.Open(ctx, db.SQLitePath())
	default: // Load rejects it first
		return nil, &DatabaseError{fmt.Errorf("unknown scheme %q", db.Scheme())}
	}
}

// Open opens the configured database and, with migrate, readies its
// schema as database.auto_migrate says (store.Prepare): a database behind
// this binary's migrations says what to run. It closes what it opened when
// it fails.
func (c Config) Open(ctx context.Context, migrate bool) (*store.Store, error) {
	st, err := c.OpenStore(ctx)
	if err != nil || !migrate {
		return st, err
	}
	err = st.Prepare(ctx, c.Database.AutoMigrate)
	if errors.As(err, new(*store.SchemaBehindError)) {
		err = fmt.Errorf("database %s %w: run `marketd migrate` first (database.auto_migrate is false)", c.Database.Name(), err)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// LockDaemon takes the lock that keeps a second daemon off a SQLite file
// (sqlite.LockDaemon); a MySQL database needs none.
func (d Database) LockDaemon() (unlock func() error, err error) {
	if d.Scheme() != SchemeSQLite {
		return func() error { return nil }, nil
	}
	return sqlite.LockDaemon(d.SQLitePath())
}

// Name names the database for messages, password masked.
func (d Database) Name() string {
	if d.Scheme() == SchemeMySQL {
		return mysql.Redact(d.URL)
	}
	return d.URL
}

// Book returns the calendars with the configured overrides and those of
// st (nil: the configured ones only).
func (c Config) Book(st calendar.OverrideStore) *calendar.Book {
	configured := make([]calendar.MarketOverride, len(c.CalendarOverrides))
	for i, o := range c.CalendarOverrides {
		configured[i] = calendar.MarketOverride{Market: o.Market, Override: calendar.Override{Date: o.Date, Open: o.Open, Reason: o.Reason}}
	}
	return calendar.NewBook(configured, st)
}

// ValidateCalendars is Book(st) as the validator asks for calendars.
func (c Config) ValidateCalendars(st calendar.OverrideStore) validate.Calendars {
	book := c.Book(st)
	return func(ctx context.Context, code string) (validate.Calendar, error) { return book.For(ctx, code) }
}

// CollectorCalendars is Book(st) as the collector asks for calendars.
func (c Config) CollectorCalendars(st calendar.OverrideStore) func(context.Context, string) (collector.Calendar, error) {
	book := c.Book(st)
	return func(ctx context.Context, code string) (collector.Calendar, error) { return book.For(ctx, code) }
}

// Mailer returns the validator's mailer as the email section says.
func (e Email) Mailer() (*mailer.Mailer, error) {
	return mailer.New(mailer.Config{
		Host: e.Host, Port: e.Port, TLS: e.TLS, Username: e.Username, Password: e.Password,
		PasswordFile: e.PasswordFile, From: e.From, To: e.To, HELO: e.HELO,
	})
}

// Claimant names this process in the work units of shared runs: the host
// name, and the local addresses its sources are bound to, which tell apart
// the processes of one machine ("ip-10-0-0-11@10.0.0.12").
func (s Sources) Claimant(host string) string {
	var addrs []string
	for _, t := range []Transport{s.Yahoo.Transport, s.Naver.Transport} {
		if a := t.LocalAddr; a != "" && !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return host
	}
	return host + "@" + strings.Join(addrs, ",")
}

// DeadManJobs are the scheduled jobs the validator watches, with the
// longest time between two of their runs at now.
func (c Config) DeadManJobs(now time.Time) []validate.Job {
	var jobs []validate.Job
	for _, spec := range c.Schedule.Jobs {
		if spec.Name == schedule.JobValidate {
			continue // the validator reporting on itself would never be heard
		}
		p, err := schedule.Period(spec, now)
		if err != nil {
			continue // the configuration was validated at start-up
		}
		jobs = append(jobs, validate.Job{Name: spec.Name, Period: p})
	}
	return jobs
}
