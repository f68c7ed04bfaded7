package deploy

import (
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(readFile(t, path)), &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(doc) == 0 {
		t.Fatalf("%s: empty document", path)
	}
	return doc
}

// get walks a decoded YAML document along a dotted path of map keys.
func get(t *testing.T, doc map[string]any, path string) any {
	t.Helper()
	var cur any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %q is not a mapping", path, k)
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("%s: key %q missing", path, k)
		}
	}
	return cur
}

// keyPaths lists every dotted key path of a mapping (lists are leaves).
func keyPaths(prefix string, v any, out map[string]bool) {
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = true
		return
	}
	for k, sub := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		keyPaths(p, sub, out)
	}
}

func TestEveryYAMLFileParses(t *testing.T) {
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n := d.Name(); strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml.example") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cloud-init/user-data.yaml", "config/marketd.yaml.example", "docker/compose.yaml"}
	for _, w := range want {
		if !slices.Contains(files, w) {
			t.Errorf("%s not found among %v", w, files)
		}
	}
	for _, f := range files {
		loadYAML(t, f)
	}
}

func TestExampleConfig(t *testing.T) {
	doc := loadYAML(t, "config/marketd.yaml.example")
	if _, ok := doc["database"]; ok {
		t.Error("database is set in the example config: it belongs in the env file (MARKETD_DATABASE)")
	}
	email := get(t, doc, "email").(map[string]any)
	for _, secret := range []string{"password"} {
		if _, ok := email[secret]; ok {
			t.Errorf("email.%s is set in the example config: it belongs in the env file", secret)
		}
	}
	allowed := []string{"host", "port", "tls", "username", "password", "password_file", "from", "to", "helo", "repeat", "send_all_clear"}
	for k := range email {
		if !slices.Contains(allowed, k) {
			t.Errorf("email.%s is not a documented key", k)
		}
	}
	if tls := get(t, doc, "email.tls"); !slices.Contains([]any{"mandatory", "starttls", "none"}, tls) {
		t.Errorf("email.tls = %v", tls)
	}
	if got := get(t, doc, "http.listen"); got != "127.0.0.1:9108" {
		t.Errorf("http.listen = %v, want 127.0.0.1:9108 (metrics stay on loopback)", got)
	}
	if got := get(t, doc, "database_pool.conn_max_lifetime"); got != "3m" {
		t.Errorf("database_pool.conn_max_lifetime = %v, want 3m", got)
	}
	var jobs []string
	for _, j := range get(t, doc, "schedule.jobs").([]any) {
		jobs = append(jobs, j.(map[string]any)["name"].(string))
	}
	if want := []string{"collect-krx", "collect-yahoo", "validate", "live-naver", "intraday-naver", "intraday-yahoo", "intraday-retention"}; !slices.Equal(jobs, want) {
		t.Errorf("schedule.jobs = %v, want %v", jobs, want)
	}
}

// unitFile parses a systemd unit into key -> values (repeated keys kept).
func unitFile(t *testing.T, path string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, line := range strings.Split(readFile(t, path), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: malformed line %q", path, line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

// checkUnit checks that each key of want is set once in unit u, to its value.
func checkUnit(t *testing.T, name string, u map[string][]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := u[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s: %s = %q, want [%q]", name, k, got, v)
		}
	}
}

func TestUnit(t *testing.T) {
	u := unitFile(t, "systemd/marketd.service")
	want := map[string]string{
		"User":                     "marketd",
		"Type":                     "notify",
		"WatchdogSec":              "60s",
		"OnFailure":                "marketd-notify@%n.service",
		"EnvironmentFile":          "-/etc/marketd/env",
		"ExecStart":                "/usr/local/bin/marketd run --config /etc/marketd/marketd.yaml",
		"ExecReload":               "/bin/kill -HUP $MAINPID",
		"WorkingDirectory":         "/var/lib/marketd",
		"StateDirectory":           "marketd",
		"ReadWritePaths":           "/var/lib/marketd",
		"Restart":                  "on-failure",
		"RestartPreventExitStatus": "2",
		"ProtectSystem":            "strict",
		"NoNewPrivileges":          "yes",
		"CapabilityBoundingSet":    "",
		"RestrictAddressFamilies":  "AF_INET AF_INET6 AF_UNIX",
		"MemoryMax":                "256M",
		"StandardOutput":           "journal",
	}
	checkUnit(t, "marketd.service", u, want)

	// Go exits 2 after the stack dump of the watchdog's SIGABRT (or of a
	// panic), and RestartPreventExitStatus=2 would then leave marketd
	// down; with GOTRACEBACK=crash it dies by the signal and is restarted.
	if got, want := u["Environment"], []string{"GOMEMLIMIT=200MiB", "GOTRACEBACK=crash"}; !slices.Equal(got, want) {
		t.Errorf("Environment = %q, want %q", got, want)
	}

	// SIGKILL must not cut the graceful shutdown short.
	stop, err := time.ParseDuration(u["TimeoutStopSec"][0])
	if err != nil {
		t.Fatalf("TimeoutStopSec: %v", err)
	}
	// cmd/marketd/internal/config's TestShippedConfigsLoad loads both
	// configs through the real loader; this only compares the timeouts.
	configs := map[string]map[string]any{
		"config/marketd.yaml.example": loadYAML(t, "config/marketd.yaml.example"),
		"cloud-init/user-data.yaml":   userDataConfig(t),
	}
	for name, cfg := range configs {
		shutdown, err := time.ParseDuration(get(t, cfg, "schedule.shutdown_timeout").(string))
		if err != nil {
			t.Fatalf("%s schedule.shutdown_timeout: %v", name, err)
		}
		if stop <= shutdown {
			t.Errorf("TimeoutStopSec %v must exceed %s schedule.shutdown_timeout %v", stop, name, shutdown)
		}
	}
}

// writeFiles maps each path cloud-init's user data writes to its content.
func writeFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, f := range get(t, loadYAML(t, "cloud-init/user-data.yaml"), "write_files").([]any) {
		m := f.(map[string]any)
		files[m["path"].(string)] = m["content"].(string)
	}
	return files
}

// userDataConfig decodes the marketd.yaml that the user data writes.
func userDataConfig(t *testing.T) map[string]any {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(writeFiles(t)["/etc/marketd/marketd.yaml"]), &cfg); err != nil {
		t.Fatalf("/etc/marketd/marketd.yaml in user-data: %v", err)
	}
	if len(cfg) == 0 {
		t.Fatal("user-data writes an empty /etc/marketd/marketd.yaml")
	}
	return cfg
}

// The OnFailure= unit runs `marketd notify` for the unit that failed, as
// the daemon's user with the daemon's secrets, and may read its journal.
func TestNotifyUnit(t *testing.T) {
	main := unitFile(t, "systemd/marketd.service")
	target := strings.Replace(main["OnFailure"][0], "%n", "", 1)
	if target != "marketd-notify@.service" {
		t.Fatalf("OnFailure = %q, want marketd-notify@%%n.service", main["OnFailure"])
	}
	u := unitFile(t, "systemd/"+target)
	want := map[string]string{
		"Type":                "oneshot",
		"User":                main["User"][0],
		"EnvironmentFile":     main["EnvironmentFile"][0],
		"SupplementaryGroups": "systemd-journal",
		"ExecStart":           "/usr/local/bin/marketd notify --config /etc/marketd/marketd.yaml --unit-failed %i",
		"ProtectSystem":       "strict",
		"NoNewPrivileges":     "yes",
	}
	checkUnit(t, target, u, want)
	if writeFiles(t)["/etc/systemd/system/"+target] != readFile(t, "systemd/"+target) {
		t.Errorf("the %s in user-data.yaml differs from systemd/%s: copy it again (indent by 6 spaces)", target, target)
	}
}

func TestEnvExampleNamesTheSecrets(t *testing.T) {
	vars := map[string]string{}
	for _, line := range strings.Split(readFile(t, "systemd/marketd.env.example"), "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == '#' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		vars[k] = v
	}
	if len(vars) != 2 || vars["MARKETD_EMAIL_PASSWORD"] == "" {
		t.Errorf("env example sets %v, want MARKETD_DATABASE and MARKETD_EMAIL_PASSWORD", vars)
	}
	u, err := url.Parse(vars["MARKETD_DATABASE"])
	if err != nil {
		t.Fatalf("MARKETD_DATABASE: %v", err)
	}
	if u.Scheme != "mysql" || u.User.Username() != "marketd" || u.Port() != "3306" || u.Path != "/marketd" {
		t.Errorf("MARKETD_DATABASE = %s, want mysql://marketd:…@HOST:3306/marketd", u.Redacted())
	}
}

func TestCloudInit(t *testing.T) {
	raw := readFile(t, "cloud-init/user-data.yaml")
	if !strings.HasPrefix(raw, "#cloud-config\n") {
		t.Fatal("user-data.yaml must start with #cloud-config")
	}
	doc := loadYAML(t, "cloud-init/user-data.yaml")

	var marketd map[string]any
	for _, u := range get(t, doc, "users").([]any) {
		if m, ok := u.(map[string]any); ok && m["name"] == "marketd" {
			marketd = m
		}
	}
	if marketd == nil || marketd["system"] != true || marketd["shell"] != "/usr/sbin/nologin" {
		t.Errorf("users: want a system user marketd without a login shell, got %v", marketd)
	}
	if !slices.Contains(get(t, doc, "users").([]any), any("default")) {
		t.Error("users: without `default` the image's login user (ec2-user/ubuntu) is not created")
	}

	files := writeFiles(t)
	if files["/etc/systemd/system/marketd.service"] != readFile(t, "systemd/marketd.service") {
		t.Error("the unit in user-data.yaml differs from systemd/marketd.service: copy it again (indent by 6 spaces)")
	}

	// The config it writes uses only keys the documented example has, and no secret.
	cfg := userDataConfig(t)
	have, known := map[string]bool{}, map[string]bool{}
	keyPaths("", cfg, have)
	keyPaths("", loadYAML(t, "config/marketd.yaml.example"), known)
	for k := range have {
		if !known[k] {
			t.Errorf("user-data config key %s is not in config/marketd.yaml.example", k)
		}
	}
	if _, ok := cfg["database"]; ok {
		t.Error("user-data config sets database: it comes from SSM via /etc/marketd/env")
	}

	script := files["/usr/local/sbin/marketd-install"]
	for _, want := range []string{
		`"$SSM_PREFIX/$1"`, "param database_url", "param smtp_password", "--with-decryption",
		"MARKETD_DATABASE=", "MARKETD_EMAIL_PASSWORD=", "marketd-linux-$arch", "sha256sum -c",
		"systemctl enable marketd", "systemctl restart marketd",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("install script lacks %q", want)
		}
	}
	if !strings.Contains(files["/etc/marketd/install.env"], `SSM_PREFIX="${SSM_PREFIX:-/marketd}"`) {
		t.Error("install.env: SSM_PREFIX must default to /marketd (the IAM policy's parameters)")
	}
	if got := get(t, doc, "runcmd").([]any); len(got) != 1 || got[0].([]any)[0] != "/usr/local/sbin/marketd-install" {
		t.Errorf("runcmd = %v, want the install script", got)
	}
}

func TestIAMPolicyIsLeastPrivilege(t *testing.T) {
	var p struct {
		Version   string
		Statement []struct {
			Effect    string
			Action    any
			Resource  any
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(readFile(t, "aws/iam-policy.json")), &p); err != nil {
		t.Fatalf("aws/iam-policy.json: %v", err)
	}
	list := func(v any) []string {
		switch v := v.(type) {
		case string:
			return []string{v}
		case []any:
			var out []string
			for _, s := range v {
				out = append(out, s.(string))
			}
			return out
		}
		t.Fatalf("unexpected %T", v)
		return nil
	}
	var actions, resources []string
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Errorf("effect %q", s.Effect)
		}
		actions = append(actions, list(s.Action)...)
		resources = append(resources, list(s.Resource)...)
		if slices.Contains(list(s.Action), "kms:Decrypt") && s.Condition["StringEquals"]["kms:ViaService"] != "ssm.REGION.amazonaws.com" {
			t.Error("kms:Decrypt must be limited to calls through SSM (kms:ViaService)")
		}
	}
	slices.Sort(actions)
	if want := []string{"kms:Decrypt", "ssm:GetParameter"}; !slices.Equal(actions, want) {
		t.Errorf("actions = %v, want %v", actions, want)
	}
	want := []string{
		"arn:aws:kms:REGION:ACCOUNT_ID:key/KMS_KEY_ID",
		"arn:aws:ssm:REGION:ACCOUNT_ID:parameter/marketd/database_url",
		"arn:aws:ssm:REGION:ACCOUNT_ID:parameter/marketd/smtp_password",
	}
	slices.Sort(resources)
	if !slices.Equal(resources, want) {
		t.Errorf("resources = %v, want %v", resources, want)
	}
}

func TestCompose(t *testing.T) {
	doc := loadYAML(t, "docker/compose.yaml")
	services := get(t, doc, "services").(map[string]any)
	var names []string
	for n := range services {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"mailpit", "marketd", "mysql"}; !slices.Equal(names, want) {
		t.Fatalf("services = %v, want %v", names, want)
	}
	images := map[string]string{"mysql": "mysql:8", "mailpit": "axllent/mailpit:", "marketd": "marketd:"}
	for svc, prefix := range images {
		if img, _ := get(t, doc, "services."+svc+".image").(string); !strings.HasPrefix(img, prefix) {
			t.Errorf("services.%s.image = %q, want %s…", svc, img, prefix)
		}
		for _, p := range get(t, doc, "services."+svc+".ports").([]any) {
			if !strings.HasPrefix(p.(string), "127.0.0.1:") {
				t.Errorf("services.%s.ports %q: publish on loopback only", svc, p)
			}
		}
	}
	if test := get(t, doc, "services.mysql.healthcheck.test").([]any); len(test) < 2 || test[0] != "CMD" {
		t.Errorf("mysql healthcheck = %v", test)
	}
	if c := get(t, doc, "services.marketd.depends_on.mysql.condition"); c != "service_healthy" {
		t.Errorf("marketd waits for mysql %v, want service_healthy", c)
	}
	df := get(t, doc, "services.marketd.build.dockerfile").(string)
	ctx := get(t, doc, "services.marketd.build.context").(string)
	if _, err := os.Stat(filepath.Join("docker", ctx, df)); err != nil {
		t.Errorf("build context %s + dockerfile %s: %v", ctx, df, err)
	}
	if _, err := os.Stat(filepath.Join("docker", ctx, "go.mod")); err != nil {
		t.Errorf("build context %s is not the module root: %v", ctx, err)
	}

	env := get(t, doc, "services.marketd.environment").(map[string]any)
	u, err := url.Parse(env["MARKETD_DATABASE"].(string))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	if u.Scheme != "mysql" || u.Host != "mysql:3306" || u.Path != "/marketd" ||
		u.User.Username() != get(t, doc, "services.mysql.environment.MYSQL_USER") ||
		pw != get(t, doc, "services.mysql.environment.MYSQL_PASSWORD") {
		t.Errorf("MARKETD_DATABASE = %s does not match the mysql service's user, password and database", u.Redacted())
	}
	wantEnv := map[string]string{"MARKETD_EMAIL_HOST": "mailpit", "MARKETD_EMAIL_PORT": "1025", "MARKETD_EMAIL_TLS": "none"}
	for k, v := range wantEnv {
		if env[k] != v {
			t.Errorf("%s = %v, want %s", k, env[k], v)
		}
	}
}

// dockerfile returns the instructions of a Dockerfile, continuation lines
// joined, comments dropped.
func dockerfile(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	var cur string
	for _, line := range strings.Split(readFile(t, path), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == "" && (trimmed == "" || trimmed[0] == '#') {
			continue
		}
		cur += " " + strings.TrimSuffix(trimmed, `\`)
		if !strings.HasSuffix(trimmed, `\`) {
			out = append(out, strings.Join(strings.Fields(cur), " "))
			cur = ""
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := dockerfile(t, "docker/Dockerfile")
	var froms []string
	var build string
	for _, in := range ins {
		if strings.HasPrefix(in, "FROM ") {
			froms = append(froms, in)
		}
		if strings.HasPrefix(in, "RUN CGO_ENABLED=0 go build") {
			build = in
		}
	}
	if want := []string{"FROM golang:${GO_VERSION} AS build", "FROM gcr.io/distroless/static-debian12:nonroot"}; !slices.Equal(froms, want) {
		t.Errorf("stages = %v, want %v", froms, want)
	}
	if !slices.Contains(ins, "ARG GO_VERSION=1.26") {
		t.Error("ARG GO_VERSION=1.26 missing")
	}
	for _, flag := range []string{"-trimpath", "-tags timetzdata", "-X main.version=${VERSION}", "./cmd/marketd"} {
		if !strings.Contains(build, flag) {
			t.Errorf("go build %q lacks %s", build, flag)
		}
	}
	if !slices.Contains(ins, "USER nonroot:nonroot") || !slices.Contains(ins, `ENTRYPOINT ["/marketd"]`) || ins[len(ins)-1] != `CMD ["run"]` {
		t.Errorf("want USER nonroot, ENTRYPOINT [\"/marketd\"], CMD [\"run\"] last; got %v", ins)
	}
}

// TestMakefileBuild keeps `make build` producing the binaries the install
// script downloads: static, and carrying the zone database (the jobs' tz
// and the markets' sessions need it; a minimal host may have no tzdata).
func TestMakefileBuild(t *testing.T) {
	_, recipe, ok := strings.Cut(readFile(t, "../Makefile"), "\nbuild:\n")
	recipe, _, _ = strings.Cut(recipe, "\n\n")
	if !ok {
		t.Fatal("Makefile has no build target")
	}
	for _, want := range []string{
		"out=bin/marketd-$$os-$$arch",
		"CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -tags timetzdata -ldflags '$(LDFLAGS)' -o $$out ./cmd/marketd",
	} {
		if !strings.Contains(recipe, want) {
			t.Errorf("Makefile build recipe lacks %s:\n%s", want, recipe)
		}
	}
}
