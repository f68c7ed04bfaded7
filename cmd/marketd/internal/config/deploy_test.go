package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/marketd/marketd/collector/schedule"
)

// The deploy tree cannot import this internal package, so the configs it
// ships are loaded here: through Load, which rejects any unknown key.

const deployDir = "../../../../deploy/"

// userDataConfig returns the marketd.yaml that cloud-init's user data writes.
func userDataConfig(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(deployDir + "cloud-init/user-data.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		WriteFiles []struct {
			Path    string `yaml:"path"`
			Content string `yaml:"content"`
		} `yaml:"write_files"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("cloud-init/user-data.yaml: %v", err)
	}
	for _, f := range doc.WriteFiles {
		if f.Path == "/etc/marketd/marketd.yaml" {
			return f.Content
		}
	}
	t.Fatal("cloud-init/user-data.yaml writes no /etc/marketd/marketd.yaml")
	return ""
}

func TestShippedConfigsLoad(t *testing.T) {
	example := deployDir + "config/marketd.yaml.example"
	tests := []struct {
		name string
		path string
	}{
		{"config/marketd.yaml.example", example},
		{"cloud-init/user-data.yaml", writeFile(t, userDataConfig(t))},
	}
	for _, tt := range tests {
		cfg, err := Load(Options{Path: tt.path})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := cfg.Schedule.ShutdownTimeout; got != 60*time.Second {
			t.Errorf("%s: schedule.shutdown_timeout = %v, want 60s", tt.name, got)
		}
		if got := cfg.HTTP.Listen; got != "127.0.0.1:9108" {
			t.Errorf("%s: http.listen = %q, want 127.0.0.1:9108", tt.name, got)
		}
		if got := cfg.DatabasePool.ConnMaxLifetime; got != 3*time.Minute {
			t.Errorf("%s: database_pool.conn_max_lifetime = %v, want 3m", tt.name, got)
		}
		// Neither file lists jobs other than the defaults (the example
		// spells them out, user data leaves them out).
		if got := cfg.Schedule.Jobs; !reflect.DeepEqual(got, schedule.DefaultJobs()) {
			t.Errorf("%s: schedule.jobs = %+v, want the defaults %+v", tt.name, got, schedule.DefaultJobs())
		}
		if got := cfg.Email.Host; got != "email-smtp.us-east-1.amazonaws.com" {
			t.Errorf("%s: email.host = %q, want the SES endpoint", tt.name, got)
		}
	}
}

// TestExampleListsEveryKey keeps the example "every key, commented" as the
// README says: each key of the README's configuration table is in it,
// either set or commented out as "# key: value" (the # where the key would
// start), and a commented-out value is the default.
func TestExampleListsEveryKey(t *testing.T) {
	raw, err := os.ReadFile(deployDir + "config/marketd.yaml.example")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := readmeTableKeys(t, string(readme))

	commentedKey := regexp.MustCompile(`^(\s*)# ([a-z_]+:(\s.*)?)$`)
	lines := strings.Split(string(raw), "\n")
	commented := map[int]bool{} // line numbers, from 1
	for i, l := range lines {
		if m := commentedKey.FindStringSubmatch(l); m != nil {
			lines[i] = m[1] + m[2]
			commented[i+1] = true
		}
	}
	text := strings.Join(lines, "\n")
	t.Chdir(t.TempDir())
	if _, err := Load(Options{Path: writeFile(t, text)}); err != nil {
		t.Fatalf("the example with every key uncommented does not load: %v", err)
	}

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	cfg, def := Default(), Default()
	at := map[string]int{}
	if err := decodeNode(&doc, reflect.ValueOf(&cfg).Elem(), "", func(key string, line int) { at[key] = line }); err != nil {
		t.Fatal(err)
	}
	for _, k := range table {
		if _, ok := at[k]; !ok {
			t.Errorf("config/marketd.yaml.example does not list %s", k)
		}
	}
	for key, line := range at {
		if !commented[line] {
			continue
		}
		got, ok := lookup(reflect.ValueOf(&cfg).Elem(), key)
		want, _ := lookup(reflect.ValueOf(&def).Elem(), key)
		if !ok {
			t.Errorf("config/marketd.yaml.example:%d: %s cannot be commented out (a list of sections)", line, key)
			continue
		}
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Errorf("config/marketd.yaml.example:%d: %s commented out as %v, but the default is %v", line, key, got.Interface(), want.Interface())
		}
	}
}

// readmeTableKeys returns the first column of the README's configuration
// table.
func readmeTableKeys(t *testing.T, readme string) []string {
	t.Helper()
	_, table, ok := strings.Cut(readme, "| Key | Default | Meaning |\n")
	if !ok {
		t.Fatal("README.md has no configuration table")
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\|")
	var keys []string
	for _, l := range strings.Split(table, "\n") {
		if !strings.HasPrefix(l, "|") {
			break
		}
		if m := row.FindStringSubmatch(l); m != nil {
			keys = append(keys, m[1])
		}
	}
	if len(keys) != len(Keys())+len(sectionLists()) {
		t.Fatalf("README.md's configuration table has %d keys, want %d (every key and list of sections): %q",
			len(keys), len(Keys())+len(sectionLists()), keys)
	}
	return keys
}
