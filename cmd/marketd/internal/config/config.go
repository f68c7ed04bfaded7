// Package config is marketd's configuration: one YAML file, overridden by
// MARKETD_* environment variables, overridden by command-line flags. Every
// setting has a default, so marketd runs with no file at all on the embedded
// SQLite store. Unknown keys and invalid values are start-up errors that name
// the key and where its value came from.
//
// The Config value is built once by Load and passed explicitly to whatever
// needs it; there is no package state.
//
// Adding a section (schedule, validate, email, …) is three small steps:
// a field on Config with a yaml tag, its defaults in Default, and its checks
// in Config.validate. Environment variables, --set and the README key test
// pick the new keys up from the struct tags.
package config

import (
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// Config is the whole configuration. Field tags are the YAML keys; the
// environment variable of a key is MARKETD_ + the key path in upper case
// with dots as underscores (sources.yahoo.rate -> MARKETD_SOURCES_YAHOO_RATE).
type Config struct {
	Database     Database          `yaml:"database"`
	DatabasePool DatabasePool      `yaml:"database_pool"`
	LogLevel     string            `yaml:"log_level"`
	Sources      Sources           `yaml:"sources"`
	Collector    Collector         `yaml:"collector"`
	Intraday     Intraday          `yaml:"intraday"`
	HTTP         HTTP              `yaml:"http"`
	Schedule     schedule.Settings `yaml:"schedule"`
	Validate     Validate          `yaml:"validate"`
	Email        Email             `yaml:"email"`
	Notify       Notify            `yaml:"notify"`
	// CalendarOverrides corrects the embedded exchange calendars without a
	// release: a closure announced late, or a listed holiday that traded.
	CalendarOverrides []CalendarOverride `yaml:"calendar_overrides"`
}

// Validate tunes the daily validator (validate package).
type Validate struct {
	// Lookback is how many sessions back the scheduled validation checks.
	Lookback int `yaml:"lookback"`
	// MaxMove is the largest close-to-close move accepted where the
	// exchange has no daily limit (XNYS), as a fraction.
	MaxMove float64 `yaml:"max_move"`
	// MaxRepeats is how many sessions an identical OHLCV may repeat.
	MaxRepeats int `yaml:"max_repeats"`
	// CrossSourceTolerance is the Naver/Yahoo close difference reported.
	CrossSourceTolerance float64 `yaml:"cross_source_tolerance"`
	// RepairBudget bounds the requests self-repair may spend per run (0: off).
	RepairBudget int `yaml:"repair_budget"`
	// IntradayMinCoverage is the share of a session's minute bars a
	// liquid instrument must have stored.
	IntradayMinCoverage float64 `yaml:"intraday_min_coverage"`
}

// Email configures the validator's report mail (validate/mailer). With no
// host, reports are printed and logged only.
type Email struct {
	Host         string   `yaml:"host"`
	Port         int      `yaml:"port"`
	TLS          string   `yaml:"tls"`
	Username     string   `yaml:"username"`
	Password     string   `yaml:"password"`
	PasswordFile string   `yaml:"password_file"`
	From         string   `yaml:"from"`
	To           []string `yaml:"to"`
	HELO         string   `yaml:"helo"`
	// Repeat is daily (every open problem every run) or new_only.
	Repeat       string `yaml:"repeat"`
	SendAllClear bool   `yaml:"send_all_clear"`
}

// Notify configures how the daemon is heard from when it stops working:
// heartbeat pings to an external check that alerts when they stop.
type Notify struct {
	// PingURL is pinged for every scheduled run without a ping_url of its
	// own (healthchecks.io's convention: URL/start, URL, URL/fail). It
	// holds the check's token: treated as a secret.
	PingURL string `yaml:"ping_url"`
}

// PingURL returns the heartbeat URL of a job: its own, else notify.ping_url;
// "" pings nothing.
func (c Config) PingURL(job schedule.JobSpec) string {
	if job.PingURL != "" {
		return job.PingURL
	}
	return c.Notify.PingURL
}

// CalendarOverride opens or closes one date of a market's calendar.
type CalendarOverride struct {
	Market string      `yaml:"market"`
	Date   market.Date `yaml:"date"`
	Open   bool        `yaml:"open"`
	Reason string      `yaml:"reason"`
}

// Database says where bars are stored. In YAML it is either a URL string
// (database: sqlite:marketd.db) or a mapping (database: {url: …, auto_migrate: false}).
type Database struct {
	// URL is mysql://user:pass@host:3306/dbname?param=value or sqlite:path.
	// Its key is "database" itself (env MARKETD_DATABASE), whichever YAML form is used.
	URL string `yaml:"url" config:"scalar"`
	// AutoMigrate applies pending schema migrations at start-up.
	AutoMigrate bool `yaml:"auto_migrate"`
}

// Database URL schemes.
const (
	SchemeMySQL  = "mysql"
	SchemeSQLite = "sqlite"
)

// Scheme returns the URL's scheme ("mysql" or "sqlite" once validated).
func (d Database) Scheme() string {
	scheme, _, _ := strings.Cut(d.URL, ":")
	return strings.ToLower(scheme)
}

// SQLitePath returns the file path of a sqlite: URL.
func (d Database) SQLitePath() string {
	_, path, _ := strings.Cut(d.URL, ":")
	return path
}

// Password returns the password in a mysql URL, or "" if there is none, so
// callers can make sure it never reaches a message.
func (d Database) Password() string {
	if d.Scheme() != SchemeMySQL {
		return ""
	}
	u, err := url.Parse(d.URL)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// DatabasePool sizes the MySQL connection pool. It is the collector's pool
// alone; SQLite ignores it.
type DatabasePool struct {
	MaxOpen         int           `yaml:"max_open"`
	MaxIdle         int           `yaml:"max_idle"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	ConnMaxIdleTime time.Duration `yaml:"conn_max_idle_time"`
}

// Sources holds one section per data source.
type Sources struct {
	Yahoo Yahoo `yaml:"yahoo"`
	Naver Naver `yaml:"naver"`
}

// Transport is what every source sets for the HTTP transport of each host
// it talks to (sources/httpx), plus its worker count.
type Transport struct {
	// Rate is a request budget per host: "500/h", "2/s", "unlimited".
	Rate        string        `yaml:"rate"`
	Burst       int           `yaml:"burst"`
	Timeout     time.Duration `yaml:"timeout"`
	UserAgent   string        `yaml:"user_agent"`
	MaxAttempts int           `yaml:"max_attempts"`
	MaxCooldown time.Duration `yaml:"max_cooldown"`
	Workers     int           `yaml:"workers"`
	// LocalAddr is the machine's own IP the source's requests leave from;
	// empty lets the system choose. One process per address spends one
	// budget per address.
	LocalAddr string `yaml:"local_addr"`
}

// Limit returns Rate as a rate.Limit. The Config has been validated by Load,
// so the rate parses.
func (t Transport) Limit() rate.Limit {
	l, err := httpx.ParseRate(t.Rate)
	if err != nil {
		return 0 // unreachable after Load; 0 would stop all requests, not flood the site
	}
	return l
}

// HTTPX returns the sources/httpx configuration for one host.
func (t Transport) HTTPX() httpx.Config {
	return httpx.Config{
		Rate:        t.Limit(),
		Burst:       t.Burst,
		Timeout:     t.Timeout,
		UserAgent:   t.UserAgent,
		MaxAttempts: t.MaxAttempts,
		MaxCooldown: t.MaxCooldown,
		LocalAddr:   t.localAddr(),
	}
}

// localAddr returns LocalAddr parsed; the zero Addr when empty (Load has
// refused any other value).
func (t Transport) localAddr() netip.Addr {
	a, _ := netip.ParseAddr(t.LocalAddr)
	return a
}

// Yahoo configures sources/yahoo.
type Yahoo struct {
	BaseURL   string `yaml:"base_url"`
	Transport `yaml:",inline"`
}

// Naver configures sources/naver.
type Naver struct {
	FchartURL  string `yaml:"fchart_url"`
	APIURL     string `yaml:"api_url"`
	PollingURL string `yaml:"polling_url"`
	MobileURL  string `yaml:"mobile_url"`
	// PollingBatch is how many codes one polling request asks for.
	PollingBatch int `yaml:"polling_batch"`
	Transport    `yaml:",inline"`
}

// Collector configures what the collector fetches.
type Collector struct {
	// RestatementSessions is how many recent sessions every run re-fetches,
	// because the sources restate the last bars after the close.
	RestatementSessions int `yaml:"restatement_sessions"`
	// InitialHistory is how far back a new instrument starts.
	InitialHistory Span `yaml:"initial_history"`
}

// Intraday configures the minute bars kept besides the daily ones.
type Intraday struct {
	// Retention is how long minute bars are kept: whole months (UTC)
	// older than it are dropped (collector.DropExpiredMinutes).
	Retention Span `yaml:"retention"`
}

// HTTP configures the daemon's HTTP listener (health and metrics).
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Default returns the configuration used when nothing overrides it.
func Default() Config {
	return Config{
		Database: Database{URL: "sqlite:marketd.db", AutoMigrate: true},
		DatabasePool: DatabasePool{
			MaxOpen:         10,
			MaxIdle:         5,
			ConnMaxLifetime: 3 * time.Minute,
			ConnMaxIdleTime: time.Minute,
		},
		LogLevel: "info",
		Sources: Sources{
			Yahoo: Yahoo{
				BaseURL: "https://query1.finance.yahoo.com",
				Transport: Transport{
					Rate: "500/h", Burst: 1, Timeout: 10 * time.Second, UserAgent: httpx.DefaultUserAgent,
					MaxAttempts: 5, MaxCooldown: 5 * time.Minute, Workers: 4,
				},
			},
			Naver: Naver{
				FchartURL:    "https://fchart.stock.naver.com",
				APIURL:       "https://api.finance.naver.com",
				PollingURL:   "https://polling.finance.naver.com",
				MobileURL:    "https://m.stock.naver.com",
				PollingBatch: 50,
				Transport: Transport{
					Rate: "2/s", Burst: 2, Timeout: 10 * time.Second, UserAgent: httpx.DefaultUserAgent,
					MaxAttempts: 5, MaxCooldown: 5 * time.Minute, Workers: 4,
				},
			},
		},
		Collector: Collector{RestatementSessions: 5, InitialHistory: Span{Years: 1}},
		Intraday:  Intraday{Retention: Span{Days: 400}},
		HTTP:      HTTP{Listen: "127.0.0.1:9108"},
		Schedule:  schedule.DefaultSettings(),
		Validate:  Validate{Lookback: 30, MaxMove: 0.5, MaxRepeats: 5, CrossSourceTolerance: 0.02, RepairBudget: 200, IntradayMinCoverage: 0.9},
		Email:     Email{Port: 587, TLS: "mandatory", Repeat: "daily"},
	}
}
