package deploy

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// adminConfig turns MARKETD_TEST_MYSQL (a mysql:// URL) into a driver config
// without a default database.
func adminConfig(t *testing.T) *mysql.Config {
	t.Helper()
	raw := os.Getenv("MARKETD_TEST_MYSQL")
	if raw == "" {
		raw = "mysql://root@127.0.0.1:3306/marketd_test"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" {
		t.Fatalf("MARKETD_TEST_MYSQL is not a mysql:// URL")
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", u.Host
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Timeout = 5 * time.Second
	return cfg
}

func openMySQL(t *testing.T, cfg *mysql.Config) *sql.DB {
	t.Helper()
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// statements splits grants.sql into statements: comment lines dropped, split
// on ";" (the file holds no semicolon inside a string).
func statements(sqlText string) []string {
	var b strings.Builder
	for _, line := range strings.Split(sqlText, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line + "\n")
	}
	var out []string
	for _, s := range strings.Split(b.String(), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// TestGrantsSQL runs grants.sql against the test server with the users and
// the database renamed by a random suffix, checks the privileges they end up
// with and what they can and cannot do, and drops them again.
func TestGrantsSQL(t *testing.T) {
	ctx := context.Background()
	admin := adminConfig(t)
	root := openMySQL(t, admin)
	if err := root.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("MySQL at %s unreachable in CI: %v", admin.Addr, err)
		}
		t.Skipf("MySQL at %s unreachable: %v", admin.Addr, err)
	}

	b := make([]byte, 4)
	rand.Read(b)
	sfx := hex.EncodeToString(b)
	dbName, collector, reader := "mdg_"+sfx, "mdg_w_"+sfx, "mdg_r_"+sfx
	collectorPW, readerPW := "pw-w-"+sfx, "pw-r-"+sfx

	// Register the cleanup first, so a failure half-way leaves nothing behind.
	t.Cleanup(func() {
		for _, q := range []string{
			"DROP USER IF EXISTS '" + collector + "'@'%'",
			"DROP USER IF EXISTS '" + reader + "'@'%'",
			"DROP DATABASE IF EXISTS " + dbName,
		} {
			if _, err := root.ExecContext(ctx, q); err != nil {
				t.Errorf("cleanup %s: %v", q, err)
			}
		}
	})

	rename := strings.NewReplacer(
		"'marketd'@", "'"+collector+"'@",
		"'marketd_reader'@", "'"+reader+"'@",
		"EXISTS marketd ", "EXISTS "+dbName+" ",
		"ON marketd.*", "ON "+dbName+".*",
		"CHANGE_ME_collector", collectorPW,
		"CHANGE_ME_reader", readerPW,
	)
	stmts := statements(rename.Replace(readFile(t, "mysql/grants.sql")))
	if len(stmts) != 5 {
		t.Fatalf("grants.sql has %d statements, want 5: %q", len(stmts), stmts)
	}
	// Never touch the real accounts or database if the file changes shape.
	leftover := regexp.MustCompile(`\bmarketd(_reader)?\b|CHANGE_ME`)
	for _, s := range stmts {
		if leftover.MatchString(s) {
			t.Fatalf("statement still names a real account or database after renaming: %s", s)
		}
	}
	for _, s := range stmts {
		if _, err := root.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}

	privileges := func(user string) (schema []string, global []string, maxConn int) {
		grantee := "'" + user + "'@'%'"
		for q, dst := range map[string]*[]string{
			"SELECT privilege_type FROM information_schema.schema_privileges WHERE grantee = ? AND table_schema = '" + dbName + "'": &schema,
			"SELECT privilege_type FROM information_schema.user_privileges WHERE grantee = ?":                                       &global,
		} {
			rows, err := root.QueryContext(ctx, q, grantee)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var p string
				if err := rows.Scan(&p); err != nil {
					t.Fatal(err)
				}
				*dst = append(*dst, p)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			slices.Sort(*dst)
		}
		if err := root.QueryRowContext(ctx, "SELECT max_user_connections FROM mysql.user WHERE user = ? AND host = '%'", user).Scan(&maxConn); err != nil {
			t.Fatal(err)
		}
		return schema, global, maxConn
	}
	tests := []struct {
		user    string
		schema  []string
		maxConn int
	}{
		{collector, []string{"ALTER", "CREATE", "DELETE", "INDEX", "INSERT", "REFERENCES", "SELECT", "UPDATE"}, 25},
		{reader, []string{"SELECT"}, 20},
	}
	for _, tc := range tests {
		schema, global, maxConn := privileges(tc.user)
		if !slices.Equal(schema, tc.schema) {
			t.Errorf("%s on %s: %v, want %v", tc.user, dbName, schema, tc.schema)
		}
		if !slices.Equal(global, []string{"USAGE"}) {
			t.Errorf("%s global privileges: %v, want only USAGE", tc.user, global)
		}
		if maxConn != tc.maxConn {
			t.Errorf("%s max_user_connections = %d, want %d", tc.user, maxConn, tc.maxConn)
		}
	}

	as := func(user, pw string) *sql.DB {
		cfg := admin.Clone()
		cfg.User, cfg.Passwd, cfg.DBName = user, pw, dbName
		return openMySQL(t, cfg)
	}
	w, r := as(collector, collectorPW), as(reader, readerPW)
	denied := func(err error) bool {
		var me *mysql.MySQLError
		return errors.As(err, &me) && me.Number == 1142 // command denied to user for table
	}
	steps := []struct {
		db      *sql.DB
		query   string
		allowed bool
	}{
		{w, "CREATE TABLE bars (symbol VARCHAR(32) NOT NULL, trade_date DATE NOT NULL, close DECIMAL(20,6) NOT NULL, PRIMARY KEY (symbol, trade_date))", true},
		{w, "ALTER TABLE bars ADD COLUMN volume BIGINT NULL", true},
		{w, "CREATE INDEX bars_date ON bars (trade_date)", true},
		{w, "INSERT INTO bars VALUES ('005930', '2026-11-20', 55000, 1) ON DUPLICATE KEY UPDATE close = VALUES(close)", true},
		{w, "UPDATE bars SET volume = 2 WHERE symbol = '005930'", true},
		{r, "SELECT close FROM bars WHERE symbol = '005930'", true},
		{r, "INSERT INTO bars VALUES ('000660', '2026-11-20', 1, 1)", false},
		{r, "DELETE FROM bars", false},
		{w, "DELETE FROM bars WHERE symbol = '005930'", true},
		{w, "TRUNCATE TABLE bars", false},
		{w, "DROP TABLE bars", false},
	}
	for _, s := range steps {
		_, err := s.db.ExecContext(ctx, s.query)
		switch {
		case s.allowed && err != nil:
			t.Errorf("%s: %v", s.query, err)
		case !s.allowed && !denied(err):
			t.Errorf("%s: got %v, want a privilege error (1142)", s.query, err)
		}
	}
}
