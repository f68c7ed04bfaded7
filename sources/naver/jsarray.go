package naver

import (
	"fmt"
	"strings"
)

// jsCell is one scalar of a JavaScript array literal: the text between
// quotes for a string, the bare token otherwise ("" for a hole: [1,,2]).
type jsCell struct {
	text   string
	quoted bool
}

// parseJSRows parses the JavaScript array literal siseJson answers with:
// an array of arrays of scalars, e.g.
//
//	[['날짜', '시가'],
//	 ["20260921", 264000, ...],
//	]
//
// It is not JSON: strings may be single-quoted, a trailing comma may follow
// the last element, and whitespace (newlines, tabs) sits anywhere between
// tokens. Nesting deeper than rows of scalars is an error. The scanner never
// recurses, so no input can exhaust the stack.
//
// Cells are substrings of src, not copies: a ten-year answer holds some
// 18,000 cells, and the backfill parses one per instrument.
func parseJSRows(src string) ([][]jsCell, error) {
	s := jsScanner{src: src}
	s.skipSpace()
	if err := s.expect('['); err != nil {
		return nil, err
	}
	rows := make([][]jsCell, 0, strings.Count(src, "\n"))
	for {
		s.skipSpace()
		switch s.peek() {
		case ']':
			s.pos++
			return rows, s.end()
		case '[':
			row, err := s.row()
			if err != nil {
				return nil, err
			}
			rows = append(rows, row)
		default:
			return nil, s.errorf("want a row '[' or the closing ']'")
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
		default:
			return nil, s.errorf("want ',' or ']' after a row")
		}
	}
}

type jsScanner struct {
	src string
	pos int
}

// eof is what peek returns past the end of the input.
const eof = -1

func (s *jsScanner) peek() int {
	if s.pos >= len(s.src) {
		return eof
	}
	return int(s.src[s.pos])
}

func (s *jsScanner) skipSpace() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\r', '\n', '\f', '\v':
			s.pos++
		default:
			if s.pos == 0 && len(s.src) >= 3 && s.src[0] == 0xEF && s.src[1] == 0xBB && s.src[2] == 0xBF {
				s.pos = 3 // a UTF-8 byte order mark
				continue
			}
			return
		}
	}
}

func (s *jsScanner) expect(c byte) error {
	if s.peek() != int(c) {
		return s.errorf("want %q", c)
	}
	s.pos++
	return nil
}

// end accepts only whitespace and an optional semicolon after the literal.
func (s *jsScanner) end() error {
	s.skipSpace()
	if s.peek() == ';' {
		s.pos++
		s.skipSpace()
	}
	if s.peek() != eof {
		return s.errorf("unexpected text after the closing ']'")
	}
	return nil
}

func (s *jsScanner) errorf(format string, args ...any) error {
	near := ""
	if s.pos < len(s.src) {
		end := min(s.pos+20, len(s.src))
		near = fmt.Sprintf(" near %q", s.src[s.pos:end])
	} else {
		near = " at the end of the input"
	}
	return fmt.Errorf("array literal: offset %d: %s%s", s.pos, fmt.Sprintf(format, args...), near)
}

// row reads [cell, cell, ...] with an optional trailing comma.
func (s *jsScanner) row() ([]jsCell, error) {
	if err := s.expect('['); err != nil {
		return nil, err
	}
	cells := make([]jsCell, 0, 8)
	for {
		s.skipSpace()
		if s.peek() == ']' {
			s.pos++
			return cells, nil
		}
		c, err := s.cell()
		if err != nil {
			return nil, err
		}
		cells = append(cells, c)
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return cells, nil
		default:
			return nil, s.errorf("want ',' or ']' after a cell")
		}
	}
}

// cell reads a quoted string or a bare token (number, null, or nothing).
func (s *jsScanner) cell() (jsCell, error) {
	switch q := s.peek(); q {
	case '\'', '"':
		s.pos++
		start := s.pos
		var buf []byte // only when the string holds escapes
		escaped := false
		for {
			c := s.peek()
			switch c {
			case eof:
				return jsCell{}, s.errorf("unterminated string")
			case q:
				text := s.src[start:s.pos]
				if escaped {
					text = string(buf)
				}
				s.pos++
				return jsCell{text: text, quoted: true}, nil
			case '\\':
				if !escaped {
					buf, escaped = []byte(s.src[start:s.pos]), true
				}
				s.pos++
				if s.peek() == eof {
					return jsCell{}, s.errorf("unterminated string")
				}
			}
			if escaped {
				buf = append(buf, s.src[s.pos])
			}
			s.pos++
		}
	case '[':
		return jsCell{}, s.errorf("nested array inside a row")
	}
	start := s.pos
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ',', ']', '[', ' ', '\t', '\r', '\n', '\f', '\v', '\'', '"':
			return jsCell{text: s.src[start:s.pos]}, nil
		}
		s.pos++
	}
	return jsCell{text: s.src[start:s.pos]}, nil
}
