package naver

import (
	"bytes"
	"unicode/utf8"
)

// scanFChart reads the chart feed's document when it has exactly the
// layout the feed sends:
//
//	<?xml version="1.0" encoding="EUC-KR" ?>   (optional)
//	<protocol>
//	  <chartdata symbol="…" name="…" …>
//	    <item data="…" />   (any number; "/>" with or without the space)
//	  </chartdata>
//	</protocol>
//
// with only blanks between the tags and attribute values free of markup,
// references and control characters. Whatever strays from that (comments,
// entities, other elements or attributes on protocol, a duplicated
// attribute, invalid UTF-8, trailing content, an empty <protocol />) makes
// it answer ok=false, and the caller decodes the body with encoding/xml,
// which stays the reference for every document and every error: the fuzz
// test FuzzScanFChartMatchesXML holds the two equal wherever this accepts.
// It exists because encoding/xml's tokenizer was a third of the minute
// archive's CPU (2,700 codes × 390 items a day).
func scanFChart(body []byte) (doc *fchartDoc, ok bool) {
	s := fchartScanner{b: body}
	s.b, _ = bytes.CutPrefix(s.b, []byte(`<?xml version="1.0" encoding="EUC-KR" ?>`))
	s.blanks()
	if !s.lit("<protocol>") {
		return nil, false
	}
	s.blanks()
	if !s.lit("<chartdata") {
		return nil, false
	}
	doc = &fchartDoc{}
	seen := map[string]bool{}
	for {
		if s.lit(">") {
			break
		}
		if !s.space() {
			return nil, false
		}
		name, value, ok := s.attr()
		if !ok || seen[name] {
			return nil, false
		}
		seen[name] = true
		switch name {
		case "symbol":
			doc.Symbol = value
		case "name":
			doc.Name = value
		case "timeframe":
			doc.Timeframe = value
		}
	}
	doc.Items = make([]fchartItem, 0, bytes.Count(s.b, []byte("<item ")))
	for {
		s.blanks()
		if s.lit("</chartdata>") {
			break
		}
		if !s.lit(`<item data="`) {
			return nil, false
		}
		v, ok := s.value()
		if !ok {
			return nil, false
		}
		s.lit(" ")
		if !s.lit("/>") {
			return nil, false
		}
		doc.Items = append(doc.Items, fchartItem{v})
	}
	s.blanks()
	if !s.lit("</protocol>") {
		return nil, false
	}
	s.blanks()
	return doc, len(s.b) == 0
}

// fchartScanner is scanFChart's cursor: b is what is left to read.
type fchartScanner struct{ b []byte }

// lit consumes p if the input starts with it.
func (s *fchartScanner) lit(p string) bool {
	if len(s.b) < len(p) || string(s.b[:len(p)]) != p {
		return false
	}
	s.b = s.b[len(p):]
	return true
}

// blanks consumes XML white space.
func (s *fchartScanner) blanks() {
	for len(s.b) > 0 && isBlank(s.b[0]) {
		s.b = s.b[1:]
	}
}

// space consumes one or more spaces (between attributes).
func (s *fchartScanner) space() bool {
	n := 0
	for n < len(s.b) && s.b[n] == ' ' {
		n++
	}
	s.b = s.b[n:]
	return n > 0
}

// attr reads name="value" with a lower-case ASCII name.
func (s *fchartScanner) attr() (name, value string, ok bool) {
	n := 0
	for n < len(s.b) && 'a' <= s.b[n] && s.b[n] <= 'z' {
		n++
	}
	if n == 0 {
		return "", "", false
	}
	name = string(s.b[:n])
	s.b = s.b[n:]
	if !s.lit(`="`) {
		return "", "", false
	}
	value, ok = s.value()
	return name, value, ok
}

// value reads an attribute value up to and including its closing quote.
// It refuses what encoding/xml would transform or reject: references (&),
// markup (<), control characters (the decoder rewrites \r and may keep
// \t and \n, but the feed sends none) and invalid UTF-8 or characters
// outside XML's range.
func (s *fchartScanner) value() (string, bool) {
	for i := 0; i < len(s.b); {
		c := s.b[i]
		switch {
		case c == '"':
			v := string(s.b[:i])
			s.b = s.b[i+1:]
			return v, true
		case c == '&' || c == '<' || c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s.b[i:])
			if r == utf8.RuneError || !isXMLChar(r) {
				return "", false
			}
			i += size
		}
	}
	return "", false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isXMLChar is XML 1.0's Char production above ASCII, as encoding/xml
// checks it.
func isXMLChar(r rune) bool {
	return (r >= 0x80 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
