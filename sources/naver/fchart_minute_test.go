package naver

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// fixMinutes is CONSTRUCTED (see testdata/README.md): no recorded minute
// body was found in public code.
const fixMinutes = "fchart_005930_minute_count9_CONSTRUCTED-euckr.xml"

func minuteXML(items ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="EUC-KR" ?>` + "\n<protocol>\n" +
		`<chartdata symbol="005930" name="삼성전자" count="9" timeframe="minute" precision="0" origintime="19900103">` + "\n")
	for _, it := range items {
		b.WriteString(`<item data="` + it + `" />` + "\n")
	}
	b.WriteString("</chartdata>\n</protocol>\n")
	return []byte(b.String())
}

func TestFChartMinutes(t *testing.T) {
	loc := seoul(t)
	at := func(d, hm int) time.Time {
		return time.Date(2026, 9, d, hm/100, hm%100, 0, 0, loc).UTC()
	}
	p := func(n int64) market.Decimal { return krw(n) }
	bar := func(d, hm int, o, h, l, c, v int64) market.MinuteBar {
		b := market.MinuteBar{Start: at(d, hm), Close: p(c), Volume: market.Some(v)}
		if o != 0 {
			b.Open = market.Some(p(o))
		}
		if h != 0 {
			b.High = market.Some(p(h))
		}
		if l != 0 {
			b.Low = market.Some(p(l))
		}
		return b
	}
	first := bar(28, 1518, 0, 0, 0, 269500, 0)
	first.Volume = market.MinuteBar{}.Volume // the answer's first minute: no predecessor
	want := []market.MinuteBar{
		first,
		bar(28, 1519, 0, 0, 0, 270000, 21161090-21120410),
		bar(28, 1530, 0, 0, 0, 270000, 21346064-21161090),
		// A new date: the first minute's cumulative volume is its own.
		bar(29, 900, 0, 0, 0, 266000, 412870),
		bar(29, 901, 266000, 266500, 265500, 266500, 540212-412870),
		// 09:02 had no trade: absent, and 09:03's volume counts from 09:01.
		bar(29, 903, 266500, 267000, 266500, 267000, 601055-540212),
		bar(29, 904, 0, 0, 0, 267000, 633100-601055),
		bar(29, 905, 0, 267500, 266500, 267500, 650000-633100),
	}
	body := fromEUCKR(t, fixture(t, fixMinutes))
	// 09:06:30: the 09:06 minute is still moving.
	got, err := parseFChartMinutes("005930", body, loc, time.Date(2026, 9, 29, 9, 6, 30, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("minutes:\n got %+v\nwant %+v", got, want)
	}
	if got[0].Start.Location() != time.UTC || got[3].Start.Format(time.RFC3339) != "2026-09-29T00:00:00Z" {
		t.Errorf("09:00 KST = %v, want 2026-09-29T00:00:00Z in UTC", got[3].Start)
	}
	// At 09:07 it has passed.
	got, err = parseFChartMinutes("005930", body, loc, time.Date(2026, 9, 29, 9, 7, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 || got[8] != bar(29, 906, 267500, 268000, 267500, 268000, 662512-650000) {
		t.Errorf("at 09:07: %d bars, last %+v", len(got), got[len(got)-1])
	}
}

// TestFChartMinutesOddItems: repeated and unordered minutes, a falling
// cumulative volume, a row without a close.
func TestFChartMinutesOddItems(t *testing.T) {
	loc := seoul(t)
	body := minuteXML(
		"202609290901|null|null|null|266500|200",
		"202609290900|null|null|null|266000|100",
		"202609290901|null|null|null|266600|250", // the later item of 09:01 wins
		"202609290902|null|null|null|266700|240", // falls: volume unknown
		"202609290903|null|null|null|null|300",   // no close: no bar, but its volume counts
		"202609290904|null|null|null|266800|330",
	)
	got, err := parseFChartMinutes("005930", body, loc, time.Date(2026, 9, 30, 0, 0, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	var closes []int64
	var vols []string
	for _, b := range got {
		closes = append(closes, int64(b.Close/market.DecimalFromInt(1)))
		vol := "-"
		if b.Volume.Valid {
			vol = strconv.FormatInt(b.Volume.V, 10)
		}
		vols = append(vols, vol)
	}
	if want := []int64{266000, 266600, 266700, 266800}; !reflect.DeepEqual(closes, want) {
		t.Errorf("closes %v, want %v", closes, want)
	}
	if want := []string{"-", "150", "-", "30"}; !reflect.DeepEqual(vols, want) {
		t.Errorf("volumes %v, want %v", vols, want)
	}
}

func TestFChartMinutesErrors(t *testing.T) {
	loc := seoul(t)
	now := time.Date(2026, 9, 30, 0, 0, 0, 0, loc)
	for _, tt := range []struct {
		name string
		body []byte
		want string
	}{
		{"bad time", minuteXML("202609290900|null|null|null|266000|100", "2026092909|null|null|null|266000|100"),
			`naver fchart 005930: malformed response: item 2 "2026092909|null|null|null|266000|100": time "2026092909": want YYYYMMDDHHMM`},
		{"bad price", minuteXML("202609290900|26x|null|null|266000|100"),
			`naver fchart 005930: malformed response: item 1 202609290900: 2026-09-29 open: decimal: invalid number "26x"`},
		{"short", minuteXML("202609290900|266000|100"),
			`naver fchart 005930: malformed response: item 1 "202609290900|266000|100": want YYYYMMDDHHMM|open|high|low|close|volume`},
		{"daily body", fromEUCKR(t, fixture(t, fixFChart)),
			`naver fchart 005930: malformed response: timeframe "day", want minute`},
	} {
		_, err := parseFChartMinutes("005930", tt.body, loc, now)
		var pe *ParseError
		if !errors.As(err, &pe) || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.name, err, tt.want)
		}
	}
	if _, err := parseFChartMinutes("005930", []byte("<protocol />"), loc, now); !errors.Is(err, market.ErrNoData) {
		t.Errorf("unknown code: %v, want ErrNoData", err)
	}
}

func FuzzParseFChartMinutes(f *testing.F) {
	f.Add(fromEUCKR(f, fixture(f, fixMinutes)))
	f.Add(minuteXML("202609290901|null|null|null|266500|200", "202609290900|||266000|100"))
	loc := seoul(f)
	now := time.Date(2026, 9, 30, 0, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, body []byte) {
		bars, err := parseFChartMinutes("005930", body, loc, now)
		if err != nil {
			return
		}
		for i, b := range bars {
			if b.Start.Location() != time.UTC || b.Start.Second() != 0 || b.Close <= 0 || b.Volume.Valid && b.Volume.V < 0 {
				t.Fatalf("bar %d: %+v", i, b)
			}
			if i > 0 && !b.Start.After(bars[i-1].Start) {
				t.Fatalf("bars out of order: %v after %v", b.Start, bars[i-1].Start)
			}
		}
	})
}
