package cli

import (
	"runtime/debug"
	"testing"
)

// A plain go build, with no -ldflags, names the version and commit git
// gave the toolchain instead of "dev (commit unknown)".
func TestBuildFromBuildInfo(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206043000-0123456789ab+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-06T04:30:00Z"}}}
	b := BuildFrom("dev", "", "", info)
	if b.Version != "v0.0.0-20261206043000-0123456789ab+dirty" || b.Commit != "0123456789abcdef" || b.Date != "2026-12-06T04:30:00Z" {
		t.Errorf("plain go build: %+v", b)
	}
	// The linker's stamps win; go run has neither.
	if b := BuildFrom("v1.2.0", "abc", "2026-12-01", info); b.Version != "v1.2.0" || b.Commit != "abc" || b.Date != "2026-12-01" {
		t.Errorf("make build: %+v", b)
	}
	if b := BuildFrom("dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); b.Version != "dev" || b.Commit != "unknown" {
		t.Errorf("go run: %+v", b)
	}
}

func TestCurrentBuild(t *testing.T) {
	if b := CurrentBuild("v9.9.9", "c0ffee", "2026-12-06"); b.Version != "v9.9.9" || b.Commit != "c0ffee" || b.Date != "2026-12-06" || b.Go == "" {
		t.Errorf("CurrentBuild = %+v", b)
	}
}
