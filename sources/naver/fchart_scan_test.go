package naver

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// xmlChart is the reference: what encoding/xml reads from body.
func xmlChart(t testing.TB, body []byte) (*fchartDoc, error) {
	t.Helper()
	var doc fchartXML
	err := decodeFChartXML("005930", bytes.TrimLeft(body, " \t\r\n\ufeff"), &doc)
	return doc.Chart, err
}

// The recorded layout (and the simulated market's, which copies it byte for
// byte) takes the fast path, with the same document as encoding/xml.
func TestScanFChartTakesTheFeedsLayout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		body      []byte
		items     int
		timeframe string
	}{
		{"recorded day", fromEUCKR(t, fixture(t, fixFChart)), 3, "day"},
		{"constructed minute", fromEUCKR(t, fixture(t, fixMinutes)), 9, "minute"},
		{"no space before />", []byte(strings.ReplaceAll(string(minuteXML("202609290901|1|2|1|2|5")), `" />`, `"/>`)), 1, "minute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := scanFChart(bytes.TrimLeft(tc.body, " \t\r\n\ufeff"))
			if !ok {
				t.Fatal("scanFChart declined the feed's own layout")
			}
			if len(got.Items) != tc.items || got.Symbol != "005930" || got.Name != "삼성전자" || got.Timeframe != tc.timeframe {
				t.Fatalf("got %d items, symbol %q, name %q, timeframe %q; want %d, 005930, 삼성전자, %s",
					len(got.Items), got.Symbol, got.Name, got.Timeframe, tc.items, tc.timeframe)
			}
			want, err := xmlChart(t, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("scan %+v\nxml  %+v", got, want)
			}
		})
	}
}

// Whatever strays from the layout goes to encoding/xml, so its errors and
// readings stay the only ones.
func TestScanFChartDeclines(t *testing.T) {
	ok := string(minuteXML("202609290901|1|2|1|2|5"))
	for name, body := range map[string]string{
		"unknown code":           "<?xml version=\"1.0\" encoding=\"EUC-KR\" ?>\n\n<protocol />\n",
		"entity in a value":      strings.Replace(ok, "|5\"", "&amp;5\"", 1),
		"character reference":    strings.Replace(ok, "|5\"", "&#124;5\"", 1),
		"carriage return inside": strings.Replace(ok, "|5\"", "|5\r\"", 1),
		"tab inside":             strings.Replace(ok, "|5\"", "|5\t\"", 1),
		"comment":                strings.Replace(ok, "<item", "<!-- x --><item", 1),
		"trailing content":       ok + "<x/>",
		"unclosed protocol":      strings.Replace(ok, "</protocol>", "", 1),
		"duplicated attribute":   strings.Replace(ok, `count="9"`, `count="9" name="x"`, 1),
		"single quotes":          strings.Replace(ok, `data="202609290901|1|2|1|2|5"`, `data='202609290901|1|2|1|2|5'`, 1),
		"another attribute":      strings.Replace(ok, "<item data", "<item x=\"1\" data", 1),
		"another encoding":       strings.Replace(ok, "EUC-KR", "ISO-8859-1", 1),
		"invalid UTF-8":          strings.Replace(ok, "삼성", "\xff", 1),
		"nested element":         strings.Replace(ok, "\" />", "\"><b/></item>", 1),
		"attribute on protocol":  strings.Replace(ok, "<protocol>", "<protocol v=\"1\">", 1),
		"CDATA":                  strings.Replace(ok, "</chartdata>", "<![CDATA[x]]></chartdata>", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if doc, ok := scanFChart([]byte(body)); ok {
				t.Fatalf("scanFChart took %q: %+v", body, doc)
			}
		})
	}
}

// FuzzScanFChartMatchesXML: wherever the fast path accepts a body,
// encoding/xml accepts it too and reads the same document.
func FuzzScanFChartMatchesXML(f *testing.F) {
	f.Add(fromEUCKR(f, fixture(f, fixFChart)))
	f.Add(fromEUCKR(f, fixture(f, fixMinutes)))
	f.Add(minuteXML("202609290901|1|2|1|2|5", "202609290902||||3|7"))
	f.Add([]byte(`<protocol><chartdata symbol="005930" name="a&gt;b"><item data="x" /></chartdata></protocol>`))
	f.Add([]byte("<protocol>\n<chartdata>\n</chartdata>\n</protocol>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		body = bytes.TrimLeft(body, " \t\r\n\ufeff")
		got, ok := scanFChart(body)
		if !ok {
			return
		}
		want, err := xmlChart(t, body)
		if err != nil {
			t.Fatalf("scanFChart took what encoding/xml refuses (%v): %q", err, body)
		}
		if want == nil {
			want = &fchartDoc{}
		}
		if len(want.Items) == 0 {
			want.Items = got.Items[:0:0]
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("body %q\nscan %+v\nxml  %+v", body, got, want)
		}
	})
}

// minuteArchiveBody is one code's minute archive as the feed lays it out:
// a whole KRX session of 390 items.
func minuteArchiveBody() []byte {
	items := make([]string, 0, 390)
	for m := range 390 {
		hm := (9+m/60)*100 + m%60
		items = append(items, fmt.Sprintf("20260929%04d|%d|%d|%d|%d|%d", hm, 266000+m*10, 266500+m*10, 265500+m*10, 266200+m*10, 1000*(m+1)))
	}
	return minuteXML(items...)
}

// BenchmarkFChartMinutes: one code's session parsed by the fast path
// (scan) and by encoding/xml (xml), then into minute bars (parse).
func BenchmarkFChartMinutes(b *testing.B) {
	body := minuteArchiveBody()
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ok := scanFChart(body); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("xml", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := xmlChart(b, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	loc := seoul(b)
	now := time.Date(2026, 9, 29, 20, 0, 0, 0, loc)
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			bars, err := parseFChartMinutes("005930", body, loc, now)
			if err != nil || len(bars) != 390 {
				b.Fatalf("%d bars, %v", len(bars), err)
			}
		}
	})
}
