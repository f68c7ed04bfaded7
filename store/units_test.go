package store

import (
	"errors"
	"testing"
)

func TestCheckSkipLocked(t *testing.T) {
	for _, tt := range []struct {
		version string
		want    string // "" = supported
	}{
		{"8.0.36", ""},
		{"8.4.2-log", ""},
		{"10.6.18-MariaDB", ""},
		{"10.11.19-MariaDB-0+deb12u1", ""},
		{"11.4.2-MariaDB-ubu2404", ""},
		{"5.7.44-log", "store: the database serves one host: MySQL 5.7.44 has no SELECT … FOR UPDATE SKIP LOCKED, which hosts need to share a run's work: upgrade to MySQL 8.0 or later, or run one host"},
		{"10.5.25-MariaDB", "store: the database serves one host: MariaDB 10.5.25 has no SELECT … FOR UPDATE SKIP LOCKED, which hosts need to share a run's work: upgrade to MariaDB 10.6 or later, or run one host"},
		{"5.5.5-10.3.39-MariaDB", "store: the database serves one host: MariaDB 10.3.39 has no SELECT … FOR UPDATE SKIP LOCKED, which hosts need to share a run's work: upgrade to MariaDB 10.6 or later, or run one host"},
		{"unknown", `store: the database serves one host: cannot read the server version "unknown" (work shared between hosts needs MySQL 8.0+ or MariaDB 10.6+)`},
	} {
		err := checkSkipLocked(tt.version)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want supported", tt.version, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || !errors.Is(err, ErrSingleHost)):
			t.Errorf("%s: %v\nwant %s", tt.version, err, tt.want)
		}
	}
}
