package config

import "testing"

func TestOriginAndDescribe(t *testing.T) {
	t.Chdir(t.TempDir()) // no ./marketd.yaml
	env := []string{"MARKETD_DATABASE=sqlite:x.db", "MARKETD_TEST_MYSQL=mysql://t", "HOME=/root", "MARKETD_LOG_LEVEL=debug"}
	for _, tt := range []struct {
		path  string
		env   []string
		flags int
		want  string
	}{
		{"", nil, 0, "no file: defaults"},
		{"/etc/marketd/marketd.yaml", env, 0, "/etc/marketd/marketd.yaml and 2 environment variables"},
		{"m.yaml", env[:1], 2, "m.yaml, 1 environment variable and 2 flags"},
	} {
		if got := Origin(tt.path, tt.env, tt.flags); got != tt.want {
			t.Errorf("Origin(%q, %q, %d) = %q, want %q", tt.path, tt.env, tt.flags, got, tt.want)
		}
	}
	c := Default()
	c.Database.URL = "mysql://u:secret@db:3306/m"
	c.Email.Host, c.Email.To = "smtp.example.com", []string{"a@example.com"}
	if got, want := c.Describe(), "database mysql://u:xxxxx@db:3306/m, 7 scheduled jobs, 0 calendar overrides, email to 1 recipient via smtp.example.com:587"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func TestParseSets(t *testing.T) {
	got, err := ParseSets([]string{"a.b=1", "c=x=y", "a.b=2"})
	if err != nil || len(got) != 2 || got["a.b"] != "2" || got["c"] != "x=y" {
		t.Errorf("ParseSets = %v, %v", got, err)
	}
	if _, err := ParseSets([]string{"=1"}); err == nil || err.Error() != `--set "=1": want KEY=VALUE, e.g. --set sources.yahoo.rate=100/h` {
		t.Errorf("ParseSets(=1) = %v", err)
	}
}

func TestFile(t *testing.T) {
	if File("") != DefaultPath || File("/etc/m.yaml") != "/etc/m.yaml" {
		t.Errorf("File: %q, %q", File(""), File("/etc/m.yaml"))
	}
}
