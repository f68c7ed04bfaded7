package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// checker collects every invalid value, each named by its key and where the
// value came from, so one start-up reports them all.
type checker struct {
	origin map[string]string
	errs   []error
}

func (c *checker) fail(key string, format string, args ...any) {
	where := c.origin[key]
	if where == "" {
		where = "default"
	}
	c.errs = append(c.errs, fmt.Errorf("%s: %s: %s", where, key, fmt.Sprintf(format, args...)))
}

func (c *checker) check(key string, err error) {
	if err != nil {
		c.fail(key, "%v", err)
	}
}

func (c *checker) atLeast(key string, v, lowest int) {
	if v < lowest {
		c.fail(key, "%d is below the minimum %d", v, lowest)
	}
}

func (cfg Config) validate(origin map[string]string) error {
	c := &checker{origin: origin}
	c.check("database", checkDatabaseURL(cfg.Database.URL))
	cfg.DatabasePool.validate(c)
	switch cfg.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		c.fail("log_level", "%q is not debug, info, warn or error", cfg.LogLevel)
	}
	y := cfg.Sources.Yahoo
	c.check("sources.yahoo.base_url", checkHTTPURL(y.BaseURL))
	y.Transport.validate(c, "sources.yahoo")
	n := cfg.Sources.Naver
	c.check("sources.naver.fchart_url", checkHTTPURL(n.FchartURL))
	c.check("sources.naver.api_url", checkHTTPURL(n.APIURL))
	c.check("sources.naver.polling_url", checkHTTPURL(n.PollingURL))
	c.check("sources.naver.mobile_url", checkHTTPURL(n.MobileURL))
	c.atLeast("sources.naver.polling_batch", n.PollingBatch, 1)
	n.Transport.validate(c, "sources.naver")
	c.atLeast("collector.restatement_sessions", cfg.Collector.RestatementSessions, 0)
	if cfg.Collector.InitialHistory == (Span{}) {
		c.fail("collector.initial_history", "must be longer than 0d")
	}
	if cfg.Intraday.Retention == (Span{}) {
		c.fail("intraday.retention", "must be longer than 0d")
	}
	if cfg.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(cfg.HTTP.Listen); err != nil {
			c.fail("http.listen", "%q is not host:port (e.g. 127.0.0.1:9108)", cfg.HTTP.Listen)
		}
	}
	if err := schedule.ValidateSpecs(cfg.Schedule.Jobs); err != nil {
		c.fail("schedule.jobs", "%v", err)
	}
	for i, j := range cfg.Schedule.Jobs {
		key := fmt.Sprintf("schedule.jobs[%d]", i)
		checkJobSelection(c, key, j)
		c.check(key+".ping_url", checkPingURL(j.PingURL))
	}
	c.check("notify.ping_url", checkPingURL(cfg.Notify.PingURL))
	if cfg.Schedule.ShutdownTimeout <= 0 {
		c.fail("schedule.shutdown_timeout", "must be positive")
	}
	if cfg.Schedule.LeaderCheck <= 0 {
		c.fail("schedule.leader_check", "must be positive")
	}
	if cfg.Schedule.LeaderElection && cfg.Database.Scheme() != SchemeMySQL {
		c.fail("schedule.leader_election", "needs a mysql database: SQLite serves one host")
	}
	cfg.Validate.validate(c)
	cfg.Email.validate(c)
	for i, o := range cfg.CalendarOverrides {
		key := fmt.Sprintf("calendar_overrides[%d]", i)
		if _, err := market.LookupMarket(o.Market); err != nil {
			c.fail(key+".market", "%v", err)
		}
		if o.Date.IsZero() {
			c.fail(key+".date", "missing: want YYYY-MM-DD")
		}
	}
	return errors.Join(c.errs...)
}

// checkJobSelection checks what a job collects. The runner passes source
// and market to the store as they are, so an unknown source, an alias such
// as KOSPI or a market the source has no instrument on would select
// nothing and every run would end "ok" having done nothing.
func checkJobSelection(c *checker, key string, j schedule.JobSpec) {
	switch j.Source {
	case "", market.SourceYahoo, market.SourceNaver:
	default:
		c.fail(key+".source", "job %q: %q is not yahoo or naver", j.Name, j.Source)
	}
	if schedule.KindOf(j.Name) == schedule.KindLive && (j.Source != market.SourceNaver || j.Market != market.XKRX) {
		c.fail(key+".source", "job %q: a live- job polls a live quote feed through its market's session: only source naver, market XKRX has one", j.Name)
	}
	if j.Market == "" {
		return
	}
	m, err := market.LookupMarket(strings.ToUpper(j.Market))
	switch {
	case err != nil:
		c.fail(key+".market", "job %q: %v; marketd calendar show lists them", j.Name, err)
	case m.Code != j.Market:
		c.fail(key+".market", "job %q: %q: write %s: a job selects the instruments of a whole exchange, by its code", j.Name, j.Market, m.Code)
	case j.Source == market.SourceNaver && m.Code != market.XKRX:
		c.fail(key+".market", "job %q: naver has Korean (XKRX) instruments only, so source naver on %s would collect nothing: use source yahoo, or market XKRX", j.Name, m.Code)
	}
}

func (v Validate) validate(c *checker) {
	c.atLeast("validate.lookback", v.Lookback, 0) // 0: the whole history
	if v.MaxMove <= 0 {
		c.fail("validate.max_move", "must be positive (0.5 = 50%%)")
	}
	c.atLeast("validate.max_repeats", v.MaxRepeats, 1)
	if v.CrossSourceTolerance <= 0 {
		c.fail("validate.cross_source_tolerance", "must be positive (0.02 = 2%%)")
	}
	c.atLeast("validate.repair_budget", v.RepairBudget, 0)
	if v.IntradayMinCoverage <= 0 || v.IntradayMinCoverage > 1 {
		c.fail("validate.intraday_min_coverage", "must be above 0 and at most 1 (0.9 = 90%% of a session's minute bars)")
	}
}

// validate checks the email section only when mail is configured (a
// host is set): without one, reports are printed and logged.
func (e Email) validate(c *checker) {
	switch e.Repeat {
	case "daily", "new_only":
	default:
		c.fail("email.repeat", "%q is not daily or new_only", e.Repeat)
	}
	switch e.TLS {
	case "mandatory", "starttls", "none":
	default:
		c.fail("email.tls", "%q is not mandatory, starttls or none", e.TLS)
	}
	if e.Host == "" {
		return
	}
	if e.Port < 1 || e.Port > 65535 {
		c.fail("email.port", "%d is not a TCP port", e.Port)
	}
	// Named at email.host: the key that was set is where to look, and an
	// unset email.from has no origin to name.
	if e.From == "" {
		c.fail("email.host", "set, so email.from must be too (the sender's address)")
	}
	if len(e.To) == 0 {
		c.fail("email.host", "set, so email.to must list at least one address")
	}
	if e.Password != "" && e.PasswordFile != "" {
		c.fail("email.password_file", "set email.password or email.password_file, not both")
	}
}

func (p DatabasePool) validate(c *checker) {
	c.atLeast("database_pool.max_open", p.MaxOpen, 1)
	c.atLeast("database_pool.max_idle", p.MaxIdle, 0)
	if p.MaxIdle > p.MaxOpen {
		c.fail("database_pool.max_idle", "%d is above database_pool.max_open (%d)", p.MaxIdle, p.MaxOpen)
	}
	if p.ConnMaxLifetime < 0 {
		c.fail("database_pool.conn_max_lifetime", "must not be negative")
	}
	if p.ConnMaxIdleTime < 0 {
		c.fail("database_pool.conn_max_idle_time", "must not be negative")
	}
}

func (t Transport) validate(c *checker, section string) {
	_, err := httpx.ParseRate(t.Rate)
	c.check(section+".rate", err)
	c.atLeast(section+".burst", t.Burst, 1)
	if t.Timeout <= 0 {
		c.fail(section+".timeout", "must be positive")
	}
	if strings.TrimSpace(t.UserAgent) == "" {
		c.fail(section+".user_agent", "must not be empty: the sites refuse clients without a browser User-Agent")
	}
	c.atLeast(section+".max_attempts", t.MaxAttempts, 1)
	if t.MaxCooldown <= 0 {
		c.fail(section+".max_cooldown", "must be positive")
	}
	c.atLeast(section+".workers", t.Workers, 1)
	if t.LocalAddr != "" {
		if a, err := netip.ParseAddr(t.LocalAddr); err != nil || a.Zone() != "" {
			c.fail(section+".local_addr", "%q is not an IP address of this machine (e.g. 10.0.0.12)", t.LocalAddr)
		}
	}
}

// checkDatabaseURL accepts mysql://user:pass@host[:port]/dbname[?params]
// and sqlite:path. Its errors never repeat the URL: it may hold a password.
func checkDatabaseURL(raw string) error {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" {
		return errors.New("not a URL: want mysql://user:pass@host:3306/dbname or sqlite:path/to/file.db")
	}
	switch strings.ToLower(scheme) {
	case SchemeSQLite:
		if rest == "" {
			return errors.New("sqlite: URL has no file path: want sqlite:path/to/file.db")
		}
		if strings.HasPrefix(rest, "//") {
			return errors.New("write sqlite:path/to/file.db or sqlite:/absolute/path.db, without //")
		}
		return nil
	case SchemeMySQL:
		u, err := url.Parse(raw)
		if err != nil {
			// url.Error quotes the whole URL, password included: say only what is wrong.
			var ue *url.Error
			if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "port") {
				return errors.New("malformed mysql URL: invalid port (URL not shown: it may hold a password)")
			}
			return errors.New("malformed mysql URL (not shown: it may hold a password); want mysql://user:pass@host:3306/dbname, with special characters in the password percent-encoded")
		}
		if u.Host == "" {
			return errors.New("mysql URL has no host: want mysql://user:pass@host:3306/dbname")
		}
		// url.Parse takes any run of digits as a port; the dial would fail
		// later, as if the server were down.
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("mysql URL: invalid port %s: want 1-65535 (URL not shown: it may hold a password)", p)
			}
		}
		if db := strings.Trim(u.Path, "/"); db == "" || strings.Contains(db, "/") {
			return errors.New("mysql URL must name one database: mysql://user:pass@host:3306/dbname")
		}
		return nil
	}
	return fmt.Errorf("unknown scheme %q: want mysql://… or sqlite:…", scheme)
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return nil
}

// checkPingURL accepts an empty URL (no pings) or an http(s) one. Its
// errors never repeat the URL: it holds the check's token.
func checkPingURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URL (not shown: it holds a token); want e.g. https://hc-ping.com/<uuid>")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %q: want an http(s) URL such as https://hc-ping.com/<uuid>", u.Scheme)
	case u.Host == "":
		return errors.New("URL has no host: want e.g. https://hc-ping.com/<uuid>")
	case u.Fragment != "":
		return errors.New("URL has a #fragment, which is never sent: remove it")
	}
	return nil
}
