package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// buildInfo is what the linker stamped into the binary, completed from the
// Go toolchain's own build information when a plain go build left it empty.
type buildInfo struct {
	Version, Commit, Date, Go string
}

func currentBuild() buildInfo {
	info, _ := debug.ReadBuildInfo()
	return buildFrom(version, commit, date, info)
}

// buildFrom completes the linker's stamps from the toolchain's build
// information (nil when the binary has none).
func buildFrom(version, commit, date string, info *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
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

// line is what marketd version and marketd --version print.
func (b buildInfo) line() string {
	return fmt.Sprintf("marketd %s (commit %s, built %s, %s)", b.Version, b.Commit, b.Date, b.Go)
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print the version, commit and build date",
		Example:     "  marketd version",
		Args:        cli.Args(cobra.NoArgs),
		Annotations: map[string]string{cli.AnnotationNoConfig: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			writeSummary(a.stdout, "%s", a.build.line())
			return nil
		},
	}
}
