package mysql_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store { return openFresh(t, mysql.Config{}) })
}

func TestDriverConfig(t *testing.T) {
	tests := []struct {
		url                string
		addr, user, dbname string
		interpolate        bool
		params             map[string]string
	}{
		{"mysql://root@127.0.0.1:3306/marketd", "127.0.0.1:3306", "root", "marketd", true, map[string]string{}},
		{"mysql://u:p%40ss@db.example:3307/m?interpolateParams=false&loc=Asia%2FSeoul&sql_mode=ANSI", "db.example:3307", "u", "m", false,
			map[string]string{"sql_mode": "ANSI"}},
		{"mysql://u@db.example/m", "db.example:3306", "u", "m", true, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(mysql.Redact(tt.url), func(t *testing.T) {
			c, err := mysql.DriverConfig(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tt.addr || c.User != tt.user || c.DBName != tt.dbname || c.InterpolateParams != tt.interpolate {
				t.Errorf("config = addr %q user %q db %q interpolate %v", c.Addr, c.User, c.DBName, c.InterpolateParams)
			}
			if !c.ParseTime || c.Loc != time.UTC {
				t.Errorf("parseTime %v loc %v, want true UTC", c.ParseTime, c.Loc)
			}
			if len(c.Params) != len(tt.params) || c.Params["sql_mode"] != tt.params["sql_mode"] {
				t.Errorf("params = %v, want %v", c.Params, tt.params)
			}
		})
	}
	c, _ := mysql.DriverConfig("mysql://u:p%40ss@h/m")
	if c.Passwd != "p@ss" {
		t.Errorf("password = %q, want p@ss", c.Passwd)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mysql://marketd:s3cret@db:3306/marketd?tls=true", "mysql://marketd:xxxxx@db:3306/marketd?tls=true"},
		{"mysql://root@127.0.0.1:3306/x", "mysql://root@127.0.0.1:3306/x"},
		{"mysql://u:s3cret@db:33 06/x", "mysql://(unparsable)"},
		{"u:s3cret@tcp(db)/x", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := mysql.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestOpenErrors checks each failure is one line that names the problem
// and never holds the password.
func TestOpenErrors(t *testing.T) {
	const secret = "s3cretPW"
	db, u := serverDB(t)
	db.Close()
	good := *u
	good.User = nil
	tests := []struct {
		name, url, want string
	}{
		{"malformed", "mysql://u:" + secret + "@db:33 06/x", "malformed"},
		{"scheme", "postgres://u:" + secret + "@db/x", `scheme "postgres" is not mysql`},
		{"no database", "mysql://u:" + secret + "@db:3306/", "want one database name"},
		{"unreachable", "mysql://u:" + secret + "@127.0.0.1:1/x?timeout=2s", "cannot reach server at 127.0.0.1:1"},
		{"bad credentials", "mysql://marketd_nobody:" + secret + "@" + u.Host + "/x", `access denied for user "marketd_nobody"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mysql.Open(context.Background(), mysql.Config{URL: tt.url})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q: want one line containing %q and no password", msg, tt.want)
			}
		})
	}
}

func TestPoolLimits(t *testing.T) {
	s := openFresh(t, mysql.Config{MaxOpen: 3})
	if got := s.DB().Stats().MaxOpenConnections; got != 3 {
		t.Errorf("MaxOpenConnections = %d, want 3", got)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestDateLocIgnored writes through a pool whose URL asks for a Seoul loc:
// dates still read back unshifted.
func TestDateLocIgnored(t *testing.T) {
	ctx := context.Background()
	url := freshURL(t) + "?loc=Asia%2FSeoul"
	s, err := mysql.Open(ctx, mysql.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	k := market.Key{Source: "naver", Symbol: "005930"}
	d, _ := market.ParseDate("2026-09-29")
	if _, err := s.Write(ctx, []store.Write{{Key: k, Bars: []market.Bar{{Date: d, Close: market.DecimalFromInt(84700)}}}}); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := s.DB().QueryRowContext(ctx, "SELECT DATE_FORMAT(trade_date, '%Y-%m-%d') FROM bars").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if raw != "2026-09-29" {
		t.Errorf("stored date %s, want 2026-09-29", raw)
	}
}

func TestRetryableErrors(t *testing.T) {
	d := mysql.Dialect(16 << 20)
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&driver.MySQLError{Number: 1213}, true},
		{&driver.MySQLError{Number: 1205}, true},
		{&driver.MySQLError{Number: 1062}, false},
		{errors.New("other"), false},
	} {
		if got := d.Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
