package validate

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/marketd/marketd/sources/market"
)

//go:embed templates
var templates embed.FS

var (
	textReport = texttemplate.Must(texttemplate.New("report.txt.tmpl").Funcs(texttemplate.FuncMap{
		"last": func(s []market.Date) market.Date { return s[len(s)-1] },
	}).ParseFS(templates, "templates/report.txt.tmpl"))
	htmlReport = htmltemplate.Must(htmltemplate.New("report.html.tmpl").Funcs(htmltemplate.FuncMap{
		"cells": cellColors,
	}).ParseFS(templates, "templates/report.html.tmpl"))
)

// view is what the templates see.
type view struct {
	*Report
	Subject string
}

// Text renders the report as plain text: the email's plain part and what
// `marketd validate` prints.
func (r *Report) Text() (string, error) {
	var b bytes.Buffer
	err := textReport.Execute(&b, view{r, r.Subject()})
	return b.String(), err
}

// HTML renders the report as the email's HTML part.
func (r *Report) HTML() (string, error) {
	var b bytes.Buffer
	err := htmlReport.Execute(&b, view{r, r.Subject()})
	return b.String(), err
}

func cellColors(cells string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		switch c {
		case '#':
			out[i] = "#4caf50"
		case '.':
			out[i] = "#e53935"
		default:
			out[i] = "#eeeeee"
		}
	}
	return out
}
