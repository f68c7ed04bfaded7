package config

import (
	"os"
	"reflect"
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
