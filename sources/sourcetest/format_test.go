package sourcetest

import (
	"bytes"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

// The writers reproduce the recordings byte for byte when fed the
// recorded values: the layout, blank lines and tabs included.
func TestFChartBodyMatchesRecording(t *testing.T) {
	bars := []bar{
		{date: d(2026, 9, 23), o: market.DecimalFromInt(284500), h: market.DecimalFromInt(286500), l: market.DecimalFromInt(281000), c: market.DecimalFromInt(286500), v: 20864376},
		{date: d(2026, 9, 28), o: market.DecimalFromInt(284500), h: market.DecimalFromInt(285500), l: market.DecimalFromInt(268500), c: market.DecimalFromInt(270000), v: 21346064},
		{date: d(2026, 9, 29), o: market.DecimalFromInt(266000), h: market.DecimalFromInt(276000), l: market.DecimalFromInt(266000), c: market.DecimalFromInt(273500), v: 15498961},
	}
	got := fchartBody("005930", "삼성전자", 3, d(1990, 1, 3), bars, false)
	if want := fixture(t, "fchart_005930_day_count3_20260929T1934KST.DERIVED-euckr.xml"); !bytes.Equal(got, want) {
		t.Errorf("fchart body differs from the recording:\n got %q\nwant %q", got, want)
	}
}

func TestSiseJSONBodyMatchesRecording(t *testing.T) {
	rec := []struct {
		date          market.Date
		o, h, l, c, v int64
		ratio         string
	}{
		{d(2026, 9, 21), 264000, 275000, 263500, 275000, 22261519, "46.56"},
		{d(2026, 9, 22), 283000, 283500, 271500, 277500, 18157410, "46.55"},
		{d(2026, 9, 23), 284500, 286500, 281000, 286500, 20864376, "46.64"},
		{d(2026, 9, 28), 284500, 285500, 268500, 270000, 21346064, "46.52"},
		{d(2026, 9, 29), 266000, 276000, 266000, 273500, 15498961, "46.52"},
	}
	var bars []bar
	ratios := map[market.Date]string{}
	for _, r := range rec {
		bars = append(bars, bar{date: r.date, o: market.DecimalFromInt(r.o), h: market.DecimalFromInt(r.h),
			l: market.DecimalFromInt(r.l), c: market.DecimalFromInt(r.c), v: r.v})
		ratios[r.date] = r.ratio
	}
	got := siseJSONBody(bars, func(d market.Date) string { return ratios[d] }, false)
	if want := fixture(t, "siseJson_005930_20260920_20260929_fchart-host.txt"); !bytes.Equal(got, want) {
		t.Errorf("siseJson body differs from the recording:\n got %q\nwant %q", got, want)
	}
}

func TestNaverFormatting(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{commas(15653425), "15,653,425"},
		{commas(-15500), "-15,500"},
		{commas(999), "999"},
		{commas(1000), "1,000"},
		{koreanAmount(4253832000000), "4조 2,538억"},
		{koreanAmount(2442518000000), "2조 4,425억"},
		{koreanAmount(6696350000000), "6조 6,964억"},
		{koreanAmount(253800000000), "2,538억"},
		{isin("005930"), "KR7005930003"},
		{isin("000660"), "KR7000660001"},
		{ratio(market.DecimalFromInt(275000), market.DecimalFromInt(270000)), "1.85"},
		{ratio(market.DecimalFromInt(270000), market.DecimalFromInt(285500)), "-5.43"},
		{ratio(market.DecimalFromInt(1), market.DecimalFromInt(1)), "0.00"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
