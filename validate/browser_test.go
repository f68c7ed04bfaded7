package validate_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// layoutProbe measures the rendered report in the browser and leaves
// what it found, as JSON, in a <pre id="layout"> at the end of the DOM.
// It is appended to a copy of the report for the test only: the email
// itself carries no script.
const layoutProbe = `<script>
(function () {
  var out = {commands: [], wrapped: [], months: [], cellWidths: [], legend: []};
  document.querySelectorAll('code').forEach(function (c) {
    out.commands.push(c.textContent);
    if (c.getClientRects().length !== 1) out.wrapped.push(c.textContent);
  });
  document.querySelectorAll('th[colspan]').forEach(function (th) {
    out.months.push(th.textContent + '/' + th.getAttribute('colspan'));
  });
  document.querySelectorAll('tr td[title]').forEach(function (td) {
    if (td.closest('table').querySelector('colgroup') === null) return;
    var w = Math.round(td.getBoundingClientRect().width); // collapsed borders share fractions of a pixel
    if (out.cellWidths.indexOf(w) < 0) out.cellWidths.push(w);
  });
  document.querySelectorAll('table').forEach(function (t) {
    var first = t.querySelector('td');
    if (!first || first.textContent !== 'Legend:') return;
    t.querySelectorAll('td[title]').forEach(function (td) {
      var r = td.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) out.legend.push(td.textContent + ' ' + td.title);
    });
  });
  var pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>`

// TestReportLayoutInBrowser renders the HTML report in headless Chromium
// at the width of a narrow mail pane and checks what a reader sees: each
// repair command on one line, the coverage grid's month labels, columns
// of one width, and its legend.
func TestReportLayoutInBrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (CI=true): .ci/run installs it")
		}
		t.Skip("chromium is not installed")
	}
	s := storetest.OpenSQLite(t)
	scenario(t, s)
	r, err := validate.New(validate.Config{Lookback: 15}, s, calendars, nil, now).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(strings.Replace(html, "</body>", layoutProbe+"</body>", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=500,900", "--dump-dom", "file://"+page)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`<pre id="layout">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe left no result in the DOM:\n%s", dom)
	}
	var got struct {
		Commands, Wrapped, Months, Legend []string
		CellWidths                        []float64
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(m[1]), "&quot;", `"`)), &got); err != nil {
		t.Fatalf("probe result %s: %v", m[1], err)
	}
	if len(got.Commands) != 6 || len(got.Wrapped) != 0 {
		t.Errorf("repair commands wrapped over lines: %q (of %d)", got.Wrapped, len(got.Commands))
	}
	if want := []string{"Sep 2026/10", "Oct/5"}; !slices.Equal(got.Months, want) {
		t.Errorf("month labels = %q, want %q", got.Months, want)
	}
	if !slices.Equal(got.CellWidths, []float64{18}) {
		t.Errorf("grid cell widths = %v, want all 18px", got.CellWidths)
	}
	if want := []string{"✓ stored", "× missing", "! bad bar", "– not listed"}; !slices.Equal(got.Legend, want) {
		t.Errorf("legend = %q, want %q", got.Legend, want)
	}
}
