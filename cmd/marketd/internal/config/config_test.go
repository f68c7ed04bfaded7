package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/market"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "marketd.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaults(t *testing.T) {
	t.Chdir(t.TempDir()) // no marketd.yaml here
	cfg, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URL != "sqlite:marketd.db" || !cfg.Database.AutoMigrate {
		t.Errorf("database = %+v, want sqlite:marketd.db with auto_migrate", cfg.Database)
	}
	if got := cfg.Sources.Yahoo.Limit(); got != rate.Limit(500.0/3600) {
		t.Errorf("yahoo limit = %v, want 500/h", got)
	}
	if got := cfg.Sources.Naver.HTTPX(); got.Rate != 2 || got.Burst != 2 || got.Timeout != 10*time.Second || got.MaxAttempts != 5 {
		t.Errorf("naver httpx = %+v", got)
	}
	if cfg.DatabasePool != (DatabasePool{MaxOpen: 10, MaxIdle: 5, ConnMaxLifetime: 3 * time.Minute, ConnMaxIdleTime: time.Minute}) {
		t.Errorf("pool = %+v", cfg.DatabasePool)
	}
	if cfg.HTTP.Listen != "127.0.0.1:9108" || cfg.Collector.RestatementSessions != 5 || cfg.Collector.InitialHistory != (Span{Years: 1}) {
		t.Errorf("collector/http = %+v %+v", cfg.Collector, cfg.HTTP)
	}
}

func TestDefaultFileInWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, DefaultPath), []byte("log_level: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogLevel != "debug" {
		t.Errorf("log_level = %q, want debug from ./marketd.yaml", cfg.LogLevel)
	}
}

func TestPrecedence(t *testing.T) {
	const file = `
database: mysql://marketd:pw@db.internal:3306/marketd
database_pool:
  max_open: 20
  max_idle: 8
log_level: warn
sources:
  yahoo:
    rate: 100/h
    timeout: 5s
  naver:
    polling_batch: 40
collector:
  initial_history: 10y
`
	tests := []struct {
		name      string
		env       []string
		overrides map[string]string
		check     func(t *testing.T, c Config)
	}{
		{
			name: "file over defaults",
			check: func(t *testing.T, c Config) {
				if c.Database.URL != "mysql://marketd:pw@db.internal:3306/marketd" || !c.Database.AutoMigrate {
					t.Errorf("database = %+v", c.Database)
				}
				if c.DatabasePool.MaxOpen != 20 || c.DatabasePool.MaxIdle != 8 || c.DatabasePool.ConnMaxLifetime != 3*time.Minute {
					t.Errorf("pool = %+v", c.DatabasePool)
				}
				if c.Sources.Yahoo.Rate != "100/h" || c.Sources.Yahoo.Timeout != 5*time.Second || c.Sources.Yahoo.Burst != 1 {
					t.Errorf("yahoo = %+v", c.Sources.Yahoo)
				}
				if c.Sources.Naver.PollingBatch != 40 || c.Sources.Naver.Rate != "2/s" {
					t.Errorf("naver = %+v", c.Sources.Naver)
				}
				if c.LogLevel != "warn" || c.Collector.InitialHistory != (Span{Years: 10}) {
					t.Errorf("log_level %q, initial_history %v", c.LogLevel, c.Collector.InitialHistory)
				}
			},
		},
		{
			name: "env over file",
			env: []string{
				"MARKETD_DATABASE=sqlite:/var/lib/marketd/m.db",
				"MARKETD_SOURCES_YAHOO_RATE=50/h",
				"MARKETD_DATABASE_POOL_MAX_OPEN=30",
				"MARKETD_DATABASE_AUTO_MIGRATE=false",
				"MARKETD_TEST_MYSQL=mysql://root@127.0.0.1:3306/marketd_test", // the tests' own, not a setting
				"HOME=/root",
			},
			check: func(t *testing.T, c Config) {
				if c.Database.URL != "sqlite:/var/lib/marketd/m.db" || c.Database.AutoMigrate {
					t.Errorf("database = %+v", c.Database)
				}
				if c.Sources.Yahoo.Rate != "50/h" || c.DatabasePool.MaxOpen != 30 || c.DatabasePool.MaxIdle != 8 {
					t.Errorf("yahoo rate %q, pool %+v", c.Sources.Yahoo.Rate, c.DatabasePool)
				}
				if c.LogLevel != "warn" {
					t.Errorf("log_level = %q, want warn from the file", c.LogLevel)
				}
			},
		},
		{
			name:      "flags over env",
			env:       []string{"MARKETD_LOG_LEVEL=error", "MARKETD_SOURCES_YAHOO_RATE=50/h"},
			overrides: map[string]string{"log_level": "debug", "sources.naver.workers": "8"},
			check: func(t *testing.T, c Config) {
				if c.LogLevel != "debug" || c.Sources.Naver.Workers != 8 || c.Sources.Yahoo.Rate != "50/h" {
					t.Errorf("log_level %q, naver workers %d, yahoo rate %q", c.LogLevel, c.Sources.Naver.Workers, c.Sources.Yahoo.Rate)
				}
			},
		},
	}
	path := writeFile(t, file)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(Options{Path: path, Environ: tt.env, Overrides: tt.overrides})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}

func TestDatabaseMappingForm(t *testing.T) {
	path := writeFile(t, "database:\n  url: sqlite:data/m.db\n  auto_migrate: false\n")
	cfg, err := Load(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != (Database{URL: "sqlite:data/m.db", AutoMigrate: false}) {
		t.Errorf("database = %+v", cfg.Database)
	}
	if cfg.Database.SQLitePath() != "data/m.db" || cfg.Database.Scheme() != "sqlite" {
		t.Errorf("scheme %q path %q", cfg.Database.Scheme(), cfg.Database.SQLitePath())
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		file      string // written to a temp marketd.yaml when not empty
		env       []string
		overrides map[string]string
		want      []string // substrings of the error; {file} is the file's path
		notWant   string
	}{
		{
			name: "unknown key names key, file and line",
			file: "sources:\n  yahoo:\n    rat: 5/s\n",
			want: []string{`{file}:3: unknown key "sources.yahoo.rat"`},
		},
		{
			name: "unknown top-level section",
			file: "emial:\n  host: x\n",
			want: []string{`{file}:1: unknown key "emial"`},
		},
		{
			name: "bad rate in file",
			file: "sources:\n  naver:\n    rate: 5/x\n",
			want: []string{`{file}:3: sources.naver.rate: invalid rate "5/x": unit "x"`},
		},
		{
			name: "bad rate in env",
			env:  []string{"MARKETD_SOURCES_YAHOO_RATE=fast"},
			want: []string{"environment MARKETD_SOURCES_YAHOO_RATE", "sources.yahoo.rate", `invalid rate "fast"`},
		},
		{
			name: "wrong type names the key",
			file: "database_pool:\n  max_open: ten\n",
			want: []string{`{file}:2: database_pool.max_open: invalid integer "ten"`},
		},
		{
			name: "bad duration",
			file: "sources:\n  yahoo:\n    timeout: 10 seconds\n",
			want: []string{`{file}:3: sources.yahoo.timeout: invalid duration "10 seconds"`},
		},
		{
			name: "mapping where a value belongs",
			file: "log_level:\n  a: b\n",
			want: []string{"{file}:2: log_level: want a single value, not a mapping"},
		},
		{
			name: "unknown env variable",
			env:  []string{"MARKETD_SOURCES_YAHO_RATE=5/s"},
			want: []string{"MARKETD_SOURCES_YAHO_RATE is not a marketd setting"},
		},
		{
			name:      "unknown flag key",
			overrides: map[string]string{"sources.yahoo.rte": "1/s"},
			want:      []string{`unknown config key "sources.yahoo.rte"`},
		},
		{
			name:    "unknown scheme",
			env:     []string{"MARKETD_DATABASE=postgres://u:s3cret@db/x"},
			want:    []string{"environment MARKETD_DATABASE", "database", `unknown scheme "postgres"`},
			notWant: "s3cret",
		},
		{
			name:    "malformed mysql URL hides the password",
			file:    "database: mysql://root:s3cret@db:port/marketd\n",
			want:    []string{"{file}:1", "database", "malformed mysql URL", "invalid port"},
			notWant: "s3cret",
		},
		{
			name:    "mysql URL with a port out of range",
			env:     []string{"MARKETD_DATABASE=mysql://root:s3cret@db:99999/marketd"},
			want:    []string{"environment MARKETD_DATABASE", "database", "invalid port 99999: want 1-65535"},
			notWant: "s3cret",
		},
		{
			name:    "mysql URL with port 0",
			env:     []string{"MARKETD_DATABASE=mysql://root:s3cret@db:0/marketd"},
			want:    []string{"environment MARKETD_DATABASE", "database", "invalid port 0: want 1-65535"},
			notWant: "s3cret",
		},
		{
			name:    "mysql URL without database",
			env:     []string{"MARKETD_DATABASE=mysql://root:s3cret@db:3306"},
			want:    []string{"database", "must name one database"},
			notWant: "s3cret",
		},
		{
			name: "sqlite without path",
			env:  []string{"MARKETD_DATABASE=sqlite:"},
			want: []string{"no file path"},
		},
		{
			name: "several bad values reported together",
			file: "log_level: loud\ndatabase_pool:\n  max_open: 2\n  max_idle: 3\n",
			want: []string{`{file}:1: log_level: "loud" is not debug`, "{file}:4: database_pool.max_idle: 3 is above database_pool.max_open (2)"},
		},
		{
			name:      "bad source URL",
			overrides: map[string]string{"sources.naver.polling_url": "polling.finance.naver.com"},
			want:      []string{"flag: sources.naver.polling_url", "not an http(s) URL"},
		},
		{
			name: "bad initial history",
			file: "collector:\n  initial_history: 1 year\n",
			want: []string{`{file}:2: collector.initial_history: invalid span "1 year": want Ny or Nd`},
		},
		{
			name: "intraday coverage above 1",
			file: "validate:\n  intraday_min_coverage: 90\n",
			want: []string{"{file}:2: validate.intraday_min_coverage: must be above 0 and at most 1 (0.9 = 90% of a session's minute bars)"},
		},
		{
			name: "bad intraday retention",
			file: "intraday:\n  retention: 400 days\n",
			want: []string{`{file}:2: intraday.retention: invalid span "400 days": want Ny or Nd`},
		},
		{
			name: "zero intraday retention",
			env:  []string{"MARKETD_INTRADAY_RETENTION=0d"},
			want: []string{"environment MARKETD_INTRADAY_RETENTION: intraday.retention: must be longer than 0d"},
		},
		{
			name: "bad listen address",
			env:  []string{"MARKETD_HTTP_LISTEN=9108"},
			want: []string{"environment MARKETD_HTTP_LISTEN: http.listen", "not host:port"},
		},
		{
			name: "missing explicit file",
			want: []string{"config file", "does not exist"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			path := ""
			switch {
			case tt.file != "":
				path = writeFile(t, tt.file)
			case tt.name == "missing explicit file":
				path = filepath.Join(t.TempDir(), "nope.yaml")
			}
			_, err := Load(Options{Path: path, Environ: tt.env, Overrides: tt.overrides})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "{file}", path)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("error %q contains %q", err, tt.notWant)
			}
		})
	}
}

func TestKeysAndEnvNames(t *testing.T) {
	got := map[string]string{}
	for _, k := range Keys() {
		got[k.Path] = k.Env
	}
	for path, env := range map[string]string{
		"database":                    "MARKETD_DATABASE",
		"database.auto_migrate":       "MARKETD_DATABASE_AUTO_MIGRATE",
		"database_pool.max_open":      "MARKETD_DATABASE_POOL_MAX_OPEN",
		"sources.yahoo.rate":          "MARKETD_SOURCES_YAHOO_RATE",
		"sources.naver.polling_batch": "MARKETD_SOURCES_NAVER_POLLING_BATCH",
		"sources.naver.max_cooldown":  "MARKETD_SOURCES_NAVER_MAX_COOLDOWN",
		"sources.yahoo.local_addr":    "MARKETD_SOURCES_YAHOO_LOCAL_ADDR",
		"collector.initial_history":   "MARKETD_COLLECTOR_INITIAL_HISTORY",
		"http.listen":                 "MARKETD_HTTP_LISTEN",
		"schedule.shutdown_timeout":   "MARKETD_SCHEDULE_SHUTDOWN_TIMEOUT",
		"email.password":              "MARKETD_EMAIL_PASSWORD",
		"email.to":                    "MARKETD_EMAIL_TO",
		"validate.repair_budget":      "MARKETD_VALIDATE_REPAIR_BUDGET",
		"notify.ping_url":             "MARKETD_NOTIFY_PING_URL",
		"intraday.retention":          "MARKETD_INTRADAY_RETENTION",
	} {
		if got[path] != env {
			t.Errorf("key %s: env %q, want %q", path, got[path], env)
		}
	}
	// 32 for the store, sources, collector and http; 1 intraday; 3 schedule; 6 validate; 11 email; 1 notify.
	if len(got) != 54 {
		t.Errorf("%d keys, want 54: %v", len(got), got)
	}
}

// TestREADMEDocumentsEveryKey keeps the README's configuration table true.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(readme), "`"+k.Path+"`") {
			t.Errorf("README.md does not document key %s", k.Path)
		}
	}
}

func TestSpan(t *testing.T) {
	tests := []struct {
		in   string
		from market.Date
		want market.Date
	}{
		{"1y", market.NewDate(2025, 6, 30), market.NewDate(2024, 6, 30)},
		{"1y", market.NewDate(2024, 2, 29), market.NewDate(2023, 3, 1)},
		{"365d", market.NewDate(2024, 12, 31), market.NewDate(2024, 1, 1)},
		{"10y", market.NewDate(2026, 11, 23), market.NewDate(2016, 11, 23)},
	}
	for _, tt := range tests {
		s, err := ParseSpan(tt.in)
		if err != nil {
			t.Fatalf("ParseSpan(%q): %v", tt.in, err)
		}
		if got := s.Before(tt.from); got != tt.want {
			t.Errorf("%s before %s = %s, want %s", tt.in, tt.from, got, tt.want)
		}
		if s.String() != tt.in {
			t.Errorf("ParseSpan(%q).String() = %q", tt.in, s.String())
		}
	}
	for _, bad := range []string{"", "y", "1", "1w", "-1y", "1.5y"} {
		if _, err := ParseSpan(bad); err == nil {
			t.Errorf("ParseSpan(%q) succeeded, want an error", bad)
		}
	}
}

// TestREADMEExampleIsTheDefaults loads the README's example file: it must
// be valid and say exactly what the defaults say.
func TestREADMEExampleIsTheDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no ```yaml example")
	}
	t.Chdir(t.TempDir())
	cfg, err := Load(Options{Path: writeFile(t, example)})
	if err != nil {
		t.Fatalf("README example: %v", err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("README example differs from the defaults:\n got %+v\nwant %+v", cfg, Default())
	}
}

// TestErrorsExact pins whole messages: every error about the file reads
// FILE:LINE: message, whether yaml.v3 or marketd found it.
func TestErrorsExact(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		env       []string
		overrides map[string]string
		want      string // {file} is the file's path
	}{
		{
			name: "unknown key",
			file: "validate:\n  lookback: 10\n  max_moves: 2\n",
			want: `{file}:3: unknown key "validate.max_moves"`,
		},
		{
			name: "key written twice in one section",
			file: "validate:\n  lookback: 1\n  max_move: 0.3\n  lookback: 3\n",
			want: "{file}:4: validate.lookback: written twice (first at line 2)",
		},
		{
			name: "section written twice",
			file: "validate:\n  lookback: 1\nlog_level: warn\n\nvalidate:\n  lookback: 3\n",
			want: "{file}:5: validate: written twice (first at line 1)",
		},
		{
			name: "database as a URL and again as a mapping",
			file: "database: sqlite:a.db\ndatabase:\n  auto_migrate: false\n",
			want: "{file}:2: database: written twice (first at line 1)",
		},
		{
			name: "database url written twice",
			file: "database:\n  url: sqlite:a.db\n  url: sqlite:b.db\n",
			want: "{file}:3: database: written twice (first at line 2)",
		},
		{
			name: "key written twice in a list item",
			file: "schedule:\n  jobs:\n    - name: collect-us\n      cron: 0 30 17 * * MON-FRI\n      cron: 0 0 18 * * MON-FRI\n",
			want: "{file}:5: schedule.jobs[0].cron: written twice (first at line 4)",
		},
		{
			name: "syntax error",
			file: "log_level: debug\nhttp:\n  listen: 127.0.0.1: 9108\n",
			want: "{file}:3: mapping values are not allowed in this context",
		},
		{
			name: "syntax error, mapping in a value",
			file: "a: b\n c: [\n",
			want: "{file}:2: mapping values are not allowed in this context",
		},
		{
			name: "tab indentation",
			file: "sources:\n\tyahoo: {}\n",
			want: "{file}:2: found character that cannot start any token",
		},
		{
			name: "list of strings written as a mapping",
			file: "email:\n  to:\n    a: b\n",
			want: "{file}:3: email.to: want a list of strings",
		},
		{
			name:      "flag sets a list of sections",
			overrides: map[string]string{"schedule.jobs": "collect"},
			want:      "flag: schedule.jobs is a list of sections: it can only be written in the config file",
		},
		{
			name:      "flag sets a key inside a list of sections",
			overrides: map[string]string{"calendar_overrides[0].date": "2026-06-03"},
			want:      "flag: calendar_overrides is a list of sections: it can only be written in the config file",
		},
		{
			name: "environment sets a list of sections",
			env:  []string{"MARKETD_CALENDAR_OVERRIDES=XKRX:2026-06-03"},
			want: "environment MARKETD_CALENDAR_OVERRIDES: calendar_overrides is a list of sections: it can only be written in the config file",
		},
		{
			name: "environment sets a key inside a list of sections",
			env:  []string{"MARKETD_SCHEDULE_JOBS_0_CRON=0 0 7 * * *"},
			want: "environment MARKETD_SCHEDULE_JOBS_0_CRON: schedule.jobs is a list of sections: it can only be written in the config file",
		},
		{
			name: "rate without a unit lists every unit",
			env:  []string{"MARKETD_SOURCES_YAHOO_RATE=fast"},
			want: `environment MARKETD_SOURCES_YAHOO_RATE: sources.yahoo.rate: invalid rate "fast": want N/s, N/m, N/h, N/d or unlimited`,
		},
		{
			name: "local address that is not an IP",
			file: "sources:\n  naver:\n    local_addr: eth1\n",
			want: `{file}:3: sources.naver.local_addr: "eth1" is not an IP address of this machine (e.g. 10.0.0.12)`,
		},
		{
			name:      "local address with a port",
			overrides: map[string]string{"sources.yahoo.local_addr": "10.0.0.12:80"},
			want:      `flag: sources.yahoo.local_addr: "10.0.0.12:80" is not an IP address of this machine (e.g. 10.0.0.12)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			_, err := Load(Options{Path: path, Environ: tt.env, Overrides: tt.overrides})
			want := strings.ReplaceAll(tt.want, "{file}", path)
			if err == nil || err.Error() != want {
				t.Errorf("Load = %v\nwant %s", err, want)
			}
		})
	}
}

func TestSectionLists(t *testing.T) {
	if got, want := sectionLists(), []string{"schedule.jobs", "calendar_overrides"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sectionLists() = %q, want %q", got, want)
	}
}

// A rate per day is accepted, as the rate error says.
func TestLocalAddr(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, err := Load(Options{Overrides: map[string]string{"sources.yahoo.local_addr": "127.0.0.2"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Sources.Yahoo.HTTPX().LocalAddr; got != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("yahoo LocalAddr = %v, want 127.0.0.2", got)
	}
	if got := cfg.Sources.Naver.HTTPX().LocalAddr; got.IsValid() {
		t.Errorf("naver LocalAddr = %v, want none (the system chooses)", got)
	}
}

func TestRatePerDay(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, err := Load(Options{Overrides: map[string]string{"sources.yahoo.rate": "8640/d"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Sources.Yahoo.Limit(); got != rate.Limit(0.1) {
		t.Errorf("8640/d = %v/s, want 0.1", got)
	}
}
