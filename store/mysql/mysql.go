// Package mysql opens a store.Store on MySQL or MariaDB through
// go-sql-driver/mysql, with a pool of its own.
package mysql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"

	"github.com/marketd/marketd/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config says where the database is and how large the pool may grow.
// The pool belongs to the caller's Store alone.
type Config struct {
	// URL is mysql://user:pass@host:3306/db?param=value. Parameters are
	// passed to the driver; parseTime is always on and loc always UTC.
	URL             string
	MaxOpen         int           // default 10
	MaxIdle         int           // default MaxOpen
	ConnMaxLifetime time.Duration // default 3m, below the server's wait_timeout
	ConnMaxIdleTime time.Duration // default none
}

// Defaults for Config's zero fields.
const (
	DefaultMaxOpen         = 10
	DefaultConnMaxLifetime = 3 * time.Minute
)

// Error numbers after which a transaction is run again.
const (
	errLockWaitTimeout        = 1205
	errDeadlock               = 1213
	errAccessDenied           = 1045
	errAccessDeniedNoPassword = 1698 // MariaDB: a user without a password login
	errBadDB                  = 1049
)

// Open connects, checks the server answers, and returns a Store on it.
// Errors name the server by a redacted URL: the password never appears.
func Open(ctx context.Context, cfg Config) (*store.Store, error) {
	safe := Redact(cfg.URL)
	dcfg, err := DriverConfig(cfg.URL)
	if err != nil {
		return nil, err
	}
	conn, err := driver.NewConnector(dcfg)
	if err != nil {
		return nil, fmt.Errorf("mysql %s: %w", safe, scrub(err, dcfg.Passwd))
	}
	db := sql.OpenDB(conn)
	maxOpen := cfg.MaxOpen
	if maxOpen <= 0 {
		maxOpen = DefaultMaxOpen
	}
	maxIdle := cfg.MaxIdle
	if maxIdle <= 0 {
		maxIdle = maxOpen
	}
	lifetime := cfg.ConnMaxLifetime
	if lifetime <= 0 {
		lifetime = DefaultConnMaxLifetime
	}
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxIdle)
	db.SetConnMaxLifetime(lifetime)
	db.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)

	var packet int
	var localInfile bool
	if err := db.QueryRowContext(ctx, "SELECT @@max_allowed_packet, @@local_infile").Scan(&packet, &localInfile); err != nil {
		db.Close()
		return nil, &OpenError{Msg: fmt.Sprintf("mysql %s: %s", safe, describe(err, dcfg)), Err: err}
	}
	d := Dialect(packet)
	if !localInfile {
		// The server refuses LOAD DATA LOCAL (MySQL 8's default): new
		// bars go through INSERT like the rest.
		d.BulkLoad = nil
	}
	return store.New(db, d), nil
}

// Dialect returns the MySQL/MariaDB dialect for a server whose
// max_allowed_packet is packet bytes.
func Dialect(packet int) store.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return store.Dialect{
		Name:       "mysql",
		Goose:      goose.DialectMySQL,
		Migrations: sub,
		UpdateFrom: func(col string) string { return "VALUES(" + col + ")" },
		OnConflict: func([]string) string { return " ON DUPLICATE KEY UPDATE " },
		DoNothing: func(key []string) string {
			return " ON DUPLICATE KEY UPDATE " + key[0] + " = " + key[0]
		},
		Retryable: func(err error) bool {
			var me *driver.MySQLError
			if errors.As(err, &me) {
				return me.Number == errDeadlock || me.Number == errLockWaitTimeout
			}
			// A connection lost mid-transaction (killed, server restarted)
			// took the transaction with it; every Write is idempotent, so it
			// runs again on a new connection. Should the lost statement have
			// been the COMMIT itself, the rerun finds the bars stored and
			// counts them unchanged: the data is right either way.
			return errors.Is(err, driver.ErrInvalidConn) || errors.Is(err, sqldriver.ErrBadConn)
		},
		MaxParams: 65535,
		// Leave room for the packet header and the statement's own text.
		MaxStatementBytes: max(packet-64<<10, 64<<10),
		BulkLoad:          bulkLoad,
		MonthPartitions:   monthPartitions{},
		SkipLocked:        true,
	}
}

// DriverConfig turns a mysql:// URL into the driver's configuration.
// The query is handed to the driver's own DSN parser, so every
// go-sql-driver/mysql parameter means what its documentation says and
// any other name becomes a session variable (SET name=value), as in a DSN.
func DriverConfig(rawURL string) (*driver.Config, error) {
	safe := Redact(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("database URL %s: malformed: want mysql://user:pass@host:3306/db", safe)
	}
	if u.Scheme != "mysql" {
		return nil, fmt.Errorf("database URL %s: scheme %q is not mysql", safe, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("database URL %s: no host", safe)
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return nil, fmt.Errorf("database URL %s: want one database name after the host", safe)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	// Our defaults come first so that the URL's own values win.
	params := []string{"interpolateParams=true", "timeout=10s"}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		// The DSN parser takes the last "/" as the one before the database
		// name; an unescaped one in a value (loc=Asia/Seoul) would move it.
		kv = strings.ReplaceAll(kv, "/", "%2F")
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "":
			continue
		case "parseTime", "loc":
			// Civil dates travel as strings and times as UTC; a different
			// loc would shift DATETIME values silently.
			continue
		case "strict":
			// The driver panics on it.
			return nil, fmt.Errorf("database URL %s: parameter strict was removed from go-sql-driver/mysql; set sql_mode instead", safe)
		}
		// One at a time, so that an error names its parameter.
		if _, err := driver.ParseDSN("/?" + kv); err != nil {
			return nil, fmt.Errorf("database URL %s: parameter %s: %w", safe, k, err)
		}
		params = append(params, kv)
	}
	// The user and password stay out of the DSN: its parser's errors
	// could otherwise quote them.
	c, err := driver.ParseDSN("tcp(" + addr + ")/" + url.PathEscape(db) + "?" + strings.Join(params, "&"))
	if err != nil {
		return nil, fmt.Errorf("database URL %s: %w", safe, err)
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Passwd, _ = u.User.Password()
	}
	c.Logger = &driver.NopLogger{}
	c.ParseTime = true
	c.Loc = time.UTC
	return c, nil
}

// Redact returns rawURL with its password replaced by "xxxxx", for logs
// and errors. A URL that does not parse is reduced to its scheme.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse errors quote the input; never echo it.
		scheme, _, ok := strings.Cut(rawURL, "://")
		if !ok || strings.ContainsAny(scheme, "@:/") {
			return "(unparsable URL)"
		}
		return scheme + "://(unparsable)"
	}
	if u.Opaque != "" {
		// "user:pass@tcp(host)/db" parses as scheme "user" with the
		// password in the opaque part, which Redacted leaves alone.
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// describe turns a connection failure into one line a person can act on.
func describe(err error, c *driver.Config) string {
	var me *driver.MySQLError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &me) && (me.Number == errAccessDenied || me.Number == errAccessDeniedNoPassword):
		return fmt.Sprintf("access denied for user %q (check user and password)", c.User)
	case errors.As(err, &me) && me.Number == errBadDB:
		return fmt.Sprintf("database %q does not exist", c.DBName)
	case errors.As(err, &oe), errors.As(err, &ne):
		return fmt.Sprintf("cannot reach server at %s: %v", c.Addr, scrub(err, c.Passwd))
	}
	return scrub(err, c.Passwd).Error()
}

// scrub removes a password from an error's text, in case a driver echoes it.
func scrub(err error, pass string) error {
	if err == nil || pass == "" || !strings.Contains(err.Error(), pass) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pass, "xxxxx"))
}

// OpenError is a failure to reach or log in to the server. Its text is
// one line naming the server by its redacted URL; Unwrap gives the
// driver's error for errors.Is/As.
type OpenError struct {
	Msg string
	Err error
}

func (e *OpenError) Error() string { return e.Msg }
func (e *OpenError) Unwrap() error { return e.Err }
