package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A heartbeat URL is checked at load without ever being repeated (its path
// is the check's token), and a job's own URL wins over notify.ping_url.
func TestPingURL(t *testing.T) {
	t.Chdir(t.TempDir())
	path := writeFile(t, `notify:
  ping_url: https://hc-ping.com/global-0000
schedule:
  jobs:
    - {name: collect-krx, cron: "0 30 20 * * MON-FRI", tz: Asia/Seoul, ping_url: "https://hc-ping.com/krx-1111?k=v"}
    - {name: validate, cron: "0 0 7 * * *", tz: Asia/Seoul}
`)
	cfg, err := Load(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.PingURL(cfg.Schedule.Jobs[0]); got != "https://hc-ping.com/krx-1111?k=v" {
		t.Errorf("collect-krx pings %q, want its own URL", got)
	}
	if got := cfg.PingURL(cfg.Schedule.Jobs[1]); got != "https://hc-ping.com/global-0000" {
		t.Errorf("validate pings %q, want notify.ping_url", got)
	}

	bad := writeFile(t, `notify:
  ping_url: "ftp://hc-ping.com/secret-2222"
schedule:
  jobs:
    - {name: a, cron: "0 0 7 * * *", tz: UTC, ping_url: "https:///secret-3333"}
    - {name: b, cron: "0 0 7 * * *", tz: UTC, ping_url: "https://hc-ping.com/secret-4444#x"}
    - {name: c, cron: "0 0 7 * * *", tz: UTC, ping_url: "https://hc-ping.com/%zz-secret-5555"}
`)
	_, err = Load(Options{Path: bad})
	want := bad + `:5: schedule.jobs[0].ping_url: URL has no host: want e.g. https://hc-ping.com/<uuid>
` + bad + `:6: schedule.jobs[1].ping_url: URL has a #fragment, which is never sent: remove it
` + bad + `:7: schedule.jobs[2].ping_url: not a URL (not shown: it holds a token); want e.g. https://hc-ping.com/<uuid>
` + bad + `:2: notify.ping_url: scheme "ftp": want an http(s) URL such as https://hc-ping.com/<uuid>`
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v\nwant %s", err, want)
	}
}

// The token of a heartbeat URL, in its path or its query, is masked like a
// password wherever the URL turns up in an error, /start and /fail
// included; the service's host stays readable.
func TestRedactPingURL(t *testing.T) {
	cfg := Default()
	cfg.Notify.PingURL = "https://hc-ping.com/3f1b2c9a-token/"
	cfg.Schedule.Jobs[0].PingURL = "https://kuma.example.com/api/push?token=Zq9secret&status=up"
	cfg.Email.Password = "smtp-pass"
	base := errors.New("wrapped")
	err := fmt.Errorf(`Post "https://hc-ping.com/3f1b2c9a-token/start": timeout; Get "https://kuma.example.com/api/push?token=Zq9secret&status=up": refused; auth smtp-pass: %w`, base)
	got := cfg.Redact(err)
	want := `Post "https://hc-ping.com/xxxxx/start": timeout; Get "https://kuma.example.com/xxxxx?xxxxx": refused; auth xxxxx: wrapped`
	if got.Error() != want {
		t.Errorf("Redact =\n%s\nwant\n%s", got, want)
	}
	if !errors.Is(got, base) {
		t.Error("Redact lost the wrapped error")
	}
	for _, secret := range []string{"3f1b2c9a", "Zq9secret"} {
		if strings.Contains(got.Error(), secret) {
			t.Errorf("%s survived", secret)
		}
	}
	if got := MaskURL(cfg.Notify.PingURL); got != "https://hc-ping.com/xxxxx" {
		t.Errorf("MaskURL = %q", got)
	}
}

// LoadSections reads the named sections only, from the file, the
// environment and the flags: mistakes elsewhere are not even read, and
// mistakes inside are still errors naming the key.
func TestLoadSections(t *testing.T) {
	t.Chdir(t.TempDir())
	path := writeFile(t, `sources:
  yahoo: {rate: lots}
validat: {}
email:
  host: smtp.example.com
  to: [ops@example.com]
  from: marketd@example.com
`)
	opts := Options{Path: path, Environ: []string{"MARKETD_DATABASE=nonsense", "MARKETD_NOPE=1", "MARKETD_EMAIL_PORT=2525"},
		Overrides: map[string]string{"validate.lookback": "-4", "notify.ping_url": "https://hc-ping.com/u"}}
	if _, err := Load(opts); err == nil {
		t.Fatal("Load accepts the broken configuration")
	}
	cfg, err := LoadSections(opts, "email", "notify")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Email.Host != "smtp.example.com" || cfg.Email.Port != 2525 || cfg.Notify.PingURL != "https://hc-ping.com/u" ||
		cfg.Database != Default().Database || cfg.Sources != Default().Sources {
		t.Errorf("LoadSections = email %+v, notify %+v, database %+v", cfg.Email, cfg.Notify, cfg.Database)
	}
	opts.Environ = append(opts.Environ, "MARKETD_EMAIL_TLS=sometimes")
	_, err = LoadSections(opts, "email", "notify")
	if want := `environment MARKETD_EMAIL_TLS: email.tls: "sometimes" is not mandatory, starttls or none`; err == nil || err.Error() != want {
		t.Errorf("LoadSections with a bad email.tls = %v, want %s", err, want)
	}
}
