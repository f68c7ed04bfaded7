package mysql_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/store/mysql"
)

// TestDriverConfigParams checks the driver's own parameters reach its
// Config fields instead of becoming session variables.
func TestDriverConfigParams(t *testing.T) {
	c, err := mysql.DriverConfig("mysql://u:pw@h:3306/m?charset=latin1&maxAllowedPacket=0&allowCleartextPasswords=true" +
		"&rejectReadOnly=true&timeout=3s&parseTime=false&loc=Asia/Seoul&time_zone=%27%2B00%3A00%27")
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxAllowedPacket != 0 || !c.AllowCleartextPasswords || !c.RejectReadOnly || c.Timeout != 3*time.Second {
		t.Errorf("maxAllowedPacket %d allowCleartextPasswords %v rejectReadOnly %v timeout %v, want 0 true true 3s",
			c.MaxAllowedPacket, c.AllowCleartextPasswords, c.RejectReadOnly, c.Timeout)
	}
	if !c.ParseTime || c.Loc != time.UTC || !c.InterpolateParams {
		t.Errorf("parseTime %v loc %v interpolateParams %v, want true UTC true", c.ParseTime, c.Loc, c.InterpolateParams)
	}
	if len(c.Params) != 1 || c.Params["time_zone"] != "'+00:00'" {
		t.Errorf("session variables = %v, want only time_zone='+00:00'", c.Params)
	}
	// charset is unexported in the Config; its DSN shows it.
	if dsn := c.FormatDSN(); !strings.Contains(dsn, "charset=latin1") {
		t.Errorf("DSN %s has no charset=latin1", strings.ReplaceAll(dsn, "pw", "xxxxx"))
	}

	c, err = mysql.DriverConfig("mysql://u@h/m")
	if err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 10*time.Second || c.MaxAllowedPacket != driver.NewConfig().MaxAllowedPacket {
		t.Errorf("defaults: timeout %v maxAllowedPacket %d, want 10s and the driver's", c.Timeout, c.MaxAllowedPacket)
	}
}

// TestDriverConfigBadParams checks a bad value is an error naming its
// parameter, with the password kept out.
func TestDriverConfigBadParams(t *testing.T) {
	const secret = "s3cretPW"
	tests := []struct{ query, want string }{
		{"rejectReadOnly=maybe", "parameter rejectReadOnly: invalid bool value: maybe"},
		{"maxAllowedPacket=lots", `parameter maxAllowedPacket: strconv.Atoi: parsing "lots"`},
		{"readTimeout=5", "parameter readTimeout: time: missing unit in duration"},
		{"tls=nosuchconfig", "parameter tls: invalid value / unknown config name: nosuchconfig"},
		{"strict=true", "parameter strict was removed from go-sql-driver/mysql; set sql_mode instead"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := mysql.DriverConfig("mysql://u:" + secret + "@h:3306/m?" + tt.query)
			if err == nil {
				t.Fatal("DriverConfig succeeded")
			}
			want := "database URL mysql://u:xxxxx@h:3306/m?" + tt.query + ": " + tt.want
			if msg := err.Error(); !strings.HasPrefix(msg, want) || strings.Contains(msg, secret) {
				t.Errorf("error %q, want it to start %q", msg, want)
			}
		})
	}
}

// openWith opens a Store on a fresh database with query appended to its URL.
func openWith(t *testing.T, query string) *sql.DB {
	t.Helper()
	s, err := mysql.Open(context.Background(), mysql.Config{URL: freshURL(t) + "?" + query})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB()
}

func TestParamCharset(t *testing.T) {
	db := openWith(t, "charset=latin1")
	var client, conn, results string
	err := db.QueryRow("SELECT @@session.character_set_client, @@session.character_set_connection, @@session.character_set_results").
		Scan(&client, &conn, &results)
	if err != nil {
		t.Fatal(err)
	}
	if client != "latin1" || conn != "latin1" || results != "latin1" {
		t.Errorf("character sets client %s connection %s results %s, want latin1", client, conn, results)
	}
}

// TestParamSessionVariables checks names the driver does not know are
// still set on each connection.
func TestParamSessionVariables(t *testing.T) {
	db := openWith(t, "time_zone=%27%2B00%3A00%27&sql_mode=%27ANSI_QUOTES%2CSTRICT_ALL_TABLES%27")
	var tz, mode string
	if err := db.QueryRow("SELECT @@session.time_zone, @@session.sql_mode").Scan(&tz, &mode); err != nil {
		t.Fatal(err)
	}
	if tz != "+00:00" || mode != "ANSI_QUOTES,STRICT_ALL_TABLES" {
		t.Errorf("time_zone %q sql_mode %q, want +00:00 and ANSI_QUOTES,STRICT_ALL_TABLES", tz, mode)
	}
}

// TestParamMaxAllowedPacket: with 0 the driver takes the server's limit,
// so a statement just over it fails in the client; its own default
// (64 MiB) would send it.
func TestParamMaxAllowedPacket(t *testing.T) {
	db := openWith(t, "maxAllowedPacket=0")
	var packet int
	if err := db.QueryRow("SELECT @@max_allowed_packet").Scan(&packet); err != nil {
		t.Fatal(err)
	}
	if packet >= driver.NewConfig().MaxAllowedPacket {
		t.Skipf("server max_allowed_packet %d is not below the driver's default: nothing to tell apart", packet)
	}
	_, err := db.Exec("SELECT '" + strings.Repeat("a", packet) + "'")
	if !errors.Is(err, driver.ErrPktTooLarge) {
		t.Errorf("statement over %d bytes: error %v, want %v", packet, err, driver.ErrPktTooLarge)
	}
}

func TestParamAllowCleartextPasswords(t *testing.T) {
	db := openWith(t, "allowCleartextPasswords=true")
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
}

// TestParamRejectReadOnly: a write refused as read-only (error 1792 in a
// READ ONLY transaction) drops the connection as bad under
// rejectReadOnly, and is the server's error without it.
func TestParamRejectReadOnly(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		query  string
		reject bool
	}{{"rejectReadOnly=true", true}, {"rejectReadOnly=false", false}} {
		t.Run(tt.query, func(t *testing.T) {
			db := openWith(t, tt.query)
			if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INT)"); err != nil {
				t.Fatal(err)
			}
			tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			_, err = tx.ExecContext(ctx, "INSERT INTO t VALUES (1)")
			var me *driver.MySQLError
			if tt.reject && !errors.Is(err, sqldriver.ErrBadConn) {
				t.Errorf("insert: error %v, want %v", err, sqldriver.ErrBadConn)
			}
			if !tt.reject && (!errors.As(err, &me) || me.Number != 1792) {
				t.Errorf("insert: error %v, want MySQL error 1792", err)
			}
		})
	}
}
