package sourcetest

import (
	"bytes"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/korean"

	"github.com/marketd/marketd/sources/market"
)

// sise_day.naver's page since it was discontinued, as recorded.
//
//go:embed pages/sise_day_gone.html
var siseDayGone []byte

// siseDay serves the old daily-price page: 410 Gone since 2026-09.
func (m *Market) siseDay(*http.Request, bool) response {
	return response{status: http.StatusGone, contentType: "text/html;charset=UTF-8", body: siseDayGone}
}

func naverText(status int, msg string) response { return text(status, msg) }

// eucKR encodes s for fchart, replacing what EUC-KR cannot hold.
func eucKR(s string) []byte {
	b, err := encoding.ReplaceUnsupported(korean.EUCKR.NewEncoder()).Bytes([]byte(s))
	if err != nil {
		return []byte(s) // unreachable with ReplaceUnsupported; ASCII fallback
	}
	return b
}

// fchartEmpty is fchart's answer for a code it does not know.
const fchartEmpty = "<?xml version=\"1.0\" encoding=\"EUC-KR\" ?>\n\n<protocol />\n"

// fchart serves sise.nhn: the count most recent sessions, ascending, in
// EUC-KR XML laid out byte for byte like the recording; with
// timeframe=minute, the count most recent traded minutes (see
// fchartMinutes).
func (m *Market) fchart(r *http.Request, drift bool) response {
	q := r.URL.Query()
	resp := response{status: http.StatusOK, contentType: "text/xml;charset=EUC-KR"}
	tf := q.Get("timeframe")
	if tf != "" && tf != "day" && tf != "minute" {
		return naverText(http.StatusBadRequest, "the simulated market serves timeframe=day and minute only, not "+tf)
	}
	count, err := strconv.Atoi(q.Get("count"))
	if err != nil || count < 1 {
		return naverText(http.StatusBadRequest, "invalid count "+strconv.Quote(q.Get("count")))
	}
	in, ok := m.lookup(market.SourceNaver, q.Get("symbol"))
	if !ok {
		resp.body = []byte(fchartEmpty)
		return resp
	}
	if tf == "minute" {
		resp.body = fchartMinutes(in, count, m.now(), drift)
		return resp
	}
	hist := m.history(in, m.now(), 0)
	hist = hist[max(0, len(hist)-count):]
	resp.body = fchartBody(in.code, in.name, count, in.firstSession(), hist, drift)
	return resp
}

func fchartBody(code, name string, count int, origin market.Date, bars []bar, drift bool) []byte {
	return fchartDoc(code, name, count, "day", origin, func(b *bytes.Buffer) {
		for _, x := range bars {
			o, h, l, v := x.o, x.h, x.l, x.v
			if x.halted {
				o, h, l, v = 0, 0, 0, 0
			}
			date := x.date.Compact()
			if drift {
				date = strings.ReplaceAll(x.date.String(), "-", ".") // a changed date format
			}
			fmt.Fprintf(b, "\t\t\t\n\t\t\t\t<item data=\"%s|%s|%s|%s|%s|%d\" />\n", date, o, h, l, x.c, v)
		}
	})
}

// fchartDoc lays out the chart feed's document around the items.
func fchartDoc(code, name string, count int, timeframe string, origin market.Date, items func(*bytes.Buffer)) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"EUC-KR\" ?>\n\n<protocol>\n\n\n\n\t\n\t\n\t\t\t<chartdata symbol=\"")
	b.WriteString(code)
	b.WriteString("\" name=\"")
	b.Write(eucKR(name))
	fmt.Fprintf(&b, "\" count=\"%d\" timeframe=\"%s\" precision=\"0\" origintime=\"%s\">\n", count, timeframe, origin.Compact())
	items(&b)
	b.WriteString("\t\t\t\n\t\n\n\n\t</chartdata>\n</protocol>\n")
	return b.Bytes()
}

// NaverMinuteArchive is how far back the simulated chart feed's minute
// archive reaches: minutes that started in the last seven days. The real
// archive's depth is not documented (naver.Source.MinuteReach says what
// marketd assumes); the simulator holds the same.
const NaverMinuteArchive = 7 * 24 * time.Hour

// fchartMinutes renders the minute archive: the count most recent traded
// minutes of the regular sessions that started within NaverMinuteArchive,
// ascending, "YYYYMMDDHHMM|open|high|low|close|volume" on Seoul's wall
// clock, the volume the day's cumulative volume at that minute. The
// minute in progress is there, with the values it will end with.
func fchartMinutes(in *instrument, count int, now time.Time, drift bool) []byte {
	loc := in.mkt.Location
	cutoff := now.Add(-NaverMinuteArchive)
	hist := finalHistory(in, now, 0, 10) // seven days hold at most seven sessions
	var days [][]minute
	for i := len(hist) - 1; i >= 0 && !hist[i].date.In(loc).Add(24*time.Hour).Before(cutoff); i-- {
		days = append(days, in.regularMinutes(hist[i], 0))
	}
	type item struct {
		minute
		cum int64
	}
	var items []item
	for i := len(days) - 1; i >= 0; i-- {
		var cum int64
		for _, x := range days[i] {
			cum += x.v
			if !x.start.Before(cutoff) && !x.start.After(now) {
				items = append(items, item{x, cum})
			}
		}
	}
	items = items[max(0, len(items)-count):]
	return fchartDoc(in.code, in.name, count, "minute", in.firstSession(), func(b *bytes.Buffer) {
		// Appended rather than formatted with fmt: 2,700 codes × 390
		// items is a whole market's archive, which BenchmarkArchiveMinutes
		// serves in the same process as the pipeline it measures.
		layout := "200601021504"
		if drift {
			layout = "2006.01.02 15:04"
		}
		b.Grow(len(items) * 80)
		line := make([]byte, 0, 96)
		for _, x := range items {
			line = append(line[:0], "\t\t\t\n\t\t\t\t<item data=\""...)
			line = x.start.In(loc).AppendFormat(line, layout)
			for _, p := range [...]market.Decimal{x.o, x.h, x.l, x.c} {
				line = p.Append(append(line, '|'))
			}
			line = strconv.AppendInt(append(line, '|'), x.cum, 10)
			b.Write(append(line, "\" />\n"...))
		}
	})
}

var siseJSONHeader = []string{"날짜", "시가", "고가", "저가", "종가", "거래량", "외국인소진율"}

// siseJSON serves siseJson.nhn and siseJson.naver: the sessions from
// startTime to endTime inclusive, as the recorded JavaScript array literal.
func (m *Market) siseJSON(r *http.Request, drift bool) response {
	q := r.URL.Query()
	if tf := q.Get("timeframe"); tf != "" && tf != "day" {
		return naverText(http.StatusBadRequest, "the simulated market serves timeframe=day only, not "+tf)
	}
	from, err1 := market.ParseCompactDate(q.Get("startTime"))
	to, err2 := market.ParseCompactDate(q.Get("endTime"))
	if err1 != nil || err2 != nil {
		return naverText(http.StatusBadRequest, fmt.Sprintf("invalid startTime %q or endTime %q: want YYYYMMDD", q.Get("startTime"), q.Get("endTime")))
	}
	var rows []bar
	ratio := func(market.Date) string { return "" }
	if in, ok := m.lookup(market.SourceNaver, q.Get("symbol")); ok {
		ratio = func(d market.Date) string { return foreignRatio(in, d) }
		for _, b := range m.history(in, m.now(), 0) {
			if b.date >= from && b.date <= to {
				rows = append(rows, b)
			}
		}
	}
	return response{status: http.StatusOK, contentType: "text/plain;charset=UTF-8", body: siseJSONBody(rows, ratio, drift)}
}

func siseJSONBody(rows []bar, ratio func(market.Date) string, drift bool) []byte {
	header := siseJSONHeader
	if drift { // a column inserted: rows grow to eight cells
		header = append(append(append([]string{}, header[:5]...), "전일비"), header[5:]...)
	}
	var b bytes.Buffer
	b.WriteString("\n [[")
	for i, h := range header {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + h + "'")
	}
	b.WriteString("],\n\n\t\n\t\n")
	for i, x := range rows {
		o, h, l, v := x.o, x.h, x.l, x.v
		if x.halted {
			o, h, l, v = 0, 0, 0, 0
		}
		b.WriteString("\t\t\n")
		fmt.Fprintf(&b, "[\"%s\", %s, %s, %s, %s, ", x.date.Compact(), o, h, l, x.c)
		if drift {
			b.WriteString("0, ")
		}
		fmt.Fprintf(&b, "%d, %s]", v, ratio(x.date))
		if i < len(rows)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("\t\t\n\t\n\n]\n")
	return b.Bytes()
}

// foreignRatio is a plausible foreign ownership percentage for one day.
func foreignRatio(in *instrument, d market.Date) string {
	base := int64(in.seed%5000) + 500 // 5.00% .. 55.00%
	rng := rand.New(rand.NewPCG(in.seed, uint64(d)))
	return strconv.FormatFloat(float64(base+rng.Int64N(41)-20)/100, 'f', -1, 64)
}
