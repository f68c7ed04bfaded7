package validate

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	texttemplate "text/template"

	"github.com/marketd/marketd/sources/market"
)

//go:embed templates
var templates embed.FS

// funcs are the helpers both templates use.
var funcs = map[string]any{
	"last":  func(s []market.Date) market.Date { return s[len(s)-1] },
	"count": count,
	"pct":   func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) },
}

var (
	textReport = texttemplate.Must(texttemplate.New("report.txt.tmpl").Funcs(funcs).
			ParseFS(templates, "templates/report.txt.tmpl"))
	htmlReport = htmltemplate.Must(htmltemplate.New("report.html.tmpl").Funcs(funcs).Funcs(htmltemplate.FuncMap{
		"cells":  htmlCells,
		"legend": func() []htmlCell { return htmlCells(legendCells) },
		"months": months,
		"width":  func(sessions []market.Date) int { return symbolWidth + cellWidth*len(sessions) },
	}).ParseFS(templates, "templates/report.html.tmpl"))
)

// view is what the templates see.
type view struct {
	*Report
	Subject string
}

// problemGroup is one market's problems, most urgent first; Market is
// empty for the scheduled jobs'.
type problemGroup struct {
	Market   string
	Problems []Problem
}

// ByMarket groups the problems by market, so that a report over many
// markets reads market by market; the groups come in the order of their
// most urgent problem.
//
// Minute bars' problems are left to the intraday section (IntradayProblems).
func (v view) ByMarket() []problemGroup {
	var out []problemGroup
	at := map[string]int{}
	for _, p := range v.Problems {
		if p.Intraday() {
			continue
		}
		i, ok := at[p.Market]
		if !ok {
			i = len(out)
			at[p.Market] = i
			out = append(out, problemGroup{Market: p.Market})
		}
		out[i].Problems = append(out[i].Problems, p)
	}
	return out
}

// IntradayProblems are the minute bars' problems, most urgent first.
func (v view) IntradayProblems() []Problem {
	var out []Problem
	for _, p := range v.Problems {
		if p.Intraday() {
			out = append(out, p)
		}
	}
	return out
}

// Text renders the report as plain text: the email's plain part and what
// `marketd validate` prints.
func (r *Report) Text() (string, error) {
	var b bytes.Buffer
	err := textReport.Execute(&b, view{r, r.Subject()})
	return b.String(), err
}

// Write writes the report to w as marketd validate prints it: the text,
// or with json the report as an indented JSON document.
func (r *Report) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	text, err := r.Text()
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

// HTML renders the report as the email's HTML part. Mail clients drop
// style sheets and scripts: every style is inline.
func (r *Report) HTML() (string, error) {
	var b bytes.Buffer
	err := htmlReport.Execute(&b, view{r, r.Subject()})
	return b.String(), err
}

// count says "1 bad bar" or "3 bad bars".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Grid geometry in the HTML report, in CSS pixels: fixed, so that every
// session's column has the same width whatever its header says.
const (
	symbolWidth = 80
	cellWidth   = 18
)

// htmlCell is how the HTML grid draws one cell state: a colour of the
// Okabe-Ito palette, which readers with any common colour-vision
// deficiency tell apart, and a symbol, for those who cannot see colour
// at all (and for printouts).
type htmlCell struct {
	Style  htmltemplate.CSS
	Symbol string
	Label  string
}

var cellLooks = map[byte]htmlCell{
	CellStored:      {"background:#009E73;color:#ffffff", "✓", "stored"},
	CellMissing:     {"background:#D55E00;color:#ffffff", "×", "missing"},
	CellBad:         {"background:#F0E442;color:#000000", "!", "bad bar"},
	CellNotExpected: {"background:#eeeeee;color:#777777", "–", "not listed"},
}

// legendCells lists the cell states in the order the legend shows them.
const legendCells = string(CellStored) + string(CellMissing) + string(CellBad) + string(CellNotExpected)

func htmlCells(cells string) []htmlCell {
	out := make([]htmlCell, len(cells))
	for i := range len(cells) {
		out[i] = cellLooks[cells[i]]
	}
	return out
}

// monthSpan is a month label over the grid's columns of that month.
type monthSpan struct {
	Label string
	Span  int
}

// months labels the runs of sessions of the same month, with the year on
// the first and on each January.
func months(sessions []market.Date) []monthSpan {
	var out []monthSpan
	for i, d := range sessions {
		if i > 0 && d.Month() == sessions[i-1].Month() && d.Year() == sessions[i-1].Year() {
			out[len(out)-1].Span++
			continue
		}
		label := d.Month().String()[:3]
		if i == 0 || d.Month() == 1 {
			label += fmt.Sprintf(" %d", d.Year())
		}
		out = append(out, monthSpan{Label: label, Span: 1})
	}
	return out
}
