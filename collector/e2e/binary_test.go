package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

// TestMain removes the binary built by marketdBinary. Started as
// BenchmarkLivePolling's child, it serves the simulated market instead.
func TestMain(m *testing.M) {
	if serveLiveSim() {
		return
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// marketdBinary builds cmd/marketd once per test binary (only when a test
// or benchmark needs it, so the others do not pay for the build), or
// returns $E2E_MARKETD_BINARY when set.
func marketdBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		if binPath = os.Getenv("E2E_MARKETD_BINARY"); binPath != "" {
			return // prebuilt (CI, or a build of a branch under test)
		}
		binDir, buildErr = os.MkdirTemp("", "marketd-e2e-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "marketd")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/marketd/marketd/cmd/marketd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/marketd: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

// requireCommand skips when the binary lacks a subcommand (cmd/marketd
// registers it in root.go).
func requireCommand(tb testing.TB, bin, name string) {
	tb.Helper()
	out, err := exec.Command(bin, name, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "marketd "+name) {
		first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		tb.Skipf("`marketd %s` is not registered in cmd/marketd/root.go yet (marketd %s --help: %v: %s …)", name, name, err, first)
	}
}

// cleanEnv is the environment without MARKETD_* variables: marketd refuses
// unknown ones (MARKETD_TEST_MYSQL is the tests' own).
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MARKETD_") {
			out = append(out, kv)
		}
	}
	return out
}
