package market_test

import (
	"reflect"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

func d(s string) market.Decimal {
	v, err := market.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return v
}

func bar(date market.Date, o, h, l, c string, v int64) market.Bar {
	return market.Bar{Date: date, Open: market.Some(d(o)), High: market.Some(d(h)), Low: market.Some(d(l)), Close: d(c), Volume: market.Some(v)}
}

func TestDropBadBars(t *testing.T) {
	day := func(n int) market.Date { return market.NewDate(2026, 3, n) }
	good1, good2, good3 := bar(day(2), "10", "12", "9", "11", 100), bar(day(4), "11", "13", "10", "12", 0), bar(day(9), "12", "12", "12", "12", 5)
	halt := market.Bar{Date: day(10), Close: d("12"), Volume: market.Some(int64(0)), Halted: true}
	negAdj := bar(day(11), "10", "12", "9", "11", 100)
	negAdj.AdjClose = market.Some(d("-1"))
	bars := []market.Bar{
		good1,
		bar(day(3), "10", "12", "9", "0", 100),
		good2,
		bar(day(5), "10", "12", "9", "-11", 100),
		bar(day(6), "-10", "12", "9", "11", 100),
		bar(day(7), "10", "12", "9", "11", -1),
		bar(day(8), "10", "9", "12", "11", 100),
		good3,
		halt,
		negAdj,
	}
	orig := append([]market.Bar(nil), bars...)
	got, notes := market.DropBadBars(bars)
	if want := []market.Bar{good1, good2, good3, halt}; !reflect.DeepEqual(got, want) {
		t.Errorf("kept\n %+v\nwant\n %+v", got, want)
	}
	wantNotes := []market.Note{
		{Date: day(3), Skipped: true, Reason: "bad row: close 0 is not positive"},
		{Date: day(5), Skipped: true, Reason: "bad row: close -11 is not positive"},
		{Date: day(6), Skipped: true, Reason: "bad row: open -10 is negative"},
		{Date: day(7), Skipped: true, Reason: "bad row: volume -1 is negative"},
		{Date: day(8), Skipped: true, Reason: "bad row: high 9 is below low 12"},
		{Date: day(11), Skipped: true, Reason: "bad row: adjusted close -1 is negative"},
	}
	if !reflect.DeepEqual(notes, wantNotes) {
		t.Errorf("notes\n %+v\nwant\n %+v", notes, wantNotes)
	}
	if !reflect.DeepEqual(bars, orig) {
		t.Error("DropBadBars modified its argument")
	}
	if got, notes := market.DropBadBars([]market.Bar{good1, good2}); len(got) != 2 || notes != nil {
		t.Errorf("all good: %d bars, notes %v", len(got), notes)
	}
}
