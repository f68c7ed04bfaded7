// Command benchreport runs marketd's benchmarks and prints their figures as
// one table (`make bench`). Each suite runs `go test -json` with its own
// -benchtime: the big pipeline benchmarks measure one run, the latency
// ones need many.
//
//	go run ./cmd/benchreport [-only REGEXP] [-e2e-args "-e2e.instruments=1000"]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"text/tabwriter"
)

// suite is one `go test` invocation.
type suite struct {
	pkg, bench, benchtime string
}

var suites = []suite{
	{"./store/mysql", "^BenchmarkUpsertBars$", "1x"},
	{"./store/mysql", "^BenchmarkLatestBars$", "200x"},
	{"./store/mysql", "^BenchmarkReadQueries$", "50x"},
	// Builds its 100M-row table once (MARKETD_TEST_MINUTE_ROWS sizes it).
	{"./store/mysql", "^BenchmarkMinuteRead100M$", "200x"},
	{"./sources/naver", "^BenchmarkRequests$", "1x"},
	{"./collector/e2e", ".", "1x"},
}

func main() {
	only := flag.String("only", "", "run only the suites whose package or benchmark pattern matches this `regexp`")
	e2eArgs := flag.String("e2e-args", "", "extra test flags for ./collector/e2e, e.g. \"-e2e.instruments=200 -e2e.ratelimit-seconds=60\"")
	timeout := flag.String("timeout", "60m", "go test -timeout per suite")
	flag.Parse()
	var re *regexp.Regexp
	if *only != "" {
		var err error
		if re, err = regexp.Compile(*only); err != nil {
			fmt.Fprintf(os.Stderr, "benchreport: -only: %v\n", err)
			os.Exit(2)
		}
	}
	var rows []row
	failed := false
	for _, s := range suites {
		if re != nil && !re.MatchString(s.pkg+" "+s.bench) {
			continue
		}
		args := []string{"test", "-run", "^$", "-bench", s.bench, "-benchtime", s.benchtime, "-timeout", *timeout, "-json", s.pkg}
		if s.pkg == "./collector/e2e" && *e2eArgs != "" {
			args = append(args, append([]string{"-args"}, strings.Fields(*e2eArgs)...)...)
		}
		fmt.Fprintf(os.Stderr, "benchreport: go %s\n", strings.Join(args, " "))
		out, err := run(args)
		got := parse(s.pkg, out)
		rows = append(rows, got...)
		if err != nil {
			failed = true
			fmt.Fprintf(os.Stderr, "benchreport: %s failed: %v\n%s\n", s.pkg, err, tail(out, 40))
		} else if len(got) == 0 {
			fmt.Fprintf(os.Stderr, "benchreport: %s reported no figures (skipped?):\n%s\n", s.pkg, tail(out, 20))
		}
	}
	print(os.Stdout, rows)
	if failed {
		os.Exit(1)
	}
}

// run executes go with args and returns the test output (the "output"
// events of go test -json, concatenated).
func run(args []string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	var out strings.Builder
	dec := json.NewDecoder(stdout)
	for {
		var ev struct{ Action, Output string }
		if err := dec.Decode(&ev); err != nil {
			if err != io.EOF {
				out.WriteString("benchreport: reading go test -json: " + err.Error() + "\n")
			}
			break
		}
		if ev.Action == "output" {
			out.WriteString(ev.Output)
		}
	}
	return out.String(), cmd.Wait()
}

// row is one figure of one benchmark.
type row struct {
	pkg, bench, unit string
	value            float64
}

// parse reads the benchmark result lines: "BenchmarkX-2  1  123 ns/op  4.5 rows/s ...".
// test2json may split a result line across events; the concatenated
// output has it whole.
func parse(pkg, out string) []row {
	var rows []row
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		for i := 2; i+1 < len(f); i += 2 {
			var v float64
			if _, err := fmt.Sscan(f[i], &v); err != nil {
				continue
			}
			rows = append(rows, row{pkg: strings.TrimPrefix(pkg, "./"), bench: strings.TrimPrefix(name, "Benchmark"), unit: f[i+1], value: v})
		}
	}
	return rows
}

func print(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "package\tbenchmark\tvalue\tunit\t")
	last := ""
	for _, r := range rows {
		pkg := r.pkg
		if pkg+r.bench == last {
			pkg = ""
		}
		name := r.bench
		if pkg == "" {
			name = ""
		}
		last = r.pkg + r.bench
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", pkg, name, format(r.value), r.unit)
	}
	tw.Flush()
}

func format(v float64) string {
	switch {
	case v == float64(int64(v)) && v < 1e12:
		return fmt.Sprintf("%d", int64(v))
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.4f", v)
}

func tail(s string, n int) string {
	lines := bytes.Split([]byte(strings.TrimRight(s, "\n")), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
