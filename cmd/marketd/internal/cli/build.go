package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// BuildInfo is what the linker stamped into the binary, completed from the
// Go toolchain's own build information when a plain go build left it empty.
type BuildInfo struct {
	Version, Commit, Date, Go string
}

// CurrentBuild is this binary's build: the linker's stamps completed from
// the toolchain's build information.
func CurrentBuild(version, commit, date string) BuildInfo {
	info, _ := debug.ReadBuildInfo()
	return BuildFrom(version, commit, date, info)
}

// BuildFrom completes the linker's stamps from the toolchain's build
// information (nil when the binary has none).
func BuildFrom(version, commit, date string, info *debug.BuildInfo) BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
	if info != nil {
		// A plain go build in a checkout stamps the module version from
		// git (v0.0.0-DATE-COMMIT, +dirty when modified); go run does not.
		if v := info.Main.Version; b.Version == "dev" && v != "" && v != "(devel)" {
			b.Version = v
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

// Line is what marketd version and marketd --version print.
func (b BuildInfo) Line() string {
	return fmt.Sprintf("marketd %s (commit %s, built %s, %s)", b.Version, b.Commit, b.Date, b.Go)
}
