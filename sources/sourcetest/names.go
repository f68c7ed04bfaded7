package sourcetest

import (
	"strconv"
	"strings"
)

// knownNames gives familiar symbols their real names, so a trial against
// the simulator reads like the real thing.
var knownNames = map[string]string{
	"005930":   "삼성전자",
	"005935":   "삼성전자우",
	"000660":   "SK하이닉스",
	"373220":   "LG에너지솔루션",
	"005380":   "현대차",
	"105560":   "KB금융",
	"055550":   "신한지주",
	"035420":   "NAVER",
	"035720":   "카카오",
	"247540":   "에코프로비엠",
	"AAPL":     "Apple Inc.",
	"MSFT":     "Microsoft Corporation",
	"GOOGL":    "Alphabet Inc.",
	"AMZN":     "Amazon.com, Inc.",
	"NVDA":     "NVIDIA Corporation",
	"7203.T":   "Toyota Motor Corporation",
	"SAP.DE":   "SAP SE",
	"VOD.L":    "Vodafone Group Plc",
	"BTC-USD":  "Bitcoin USD",
	"ETH-USD":  "Ethereum USD",
	"EURUSD=X": "EUR/USD",
	"^N225":    "Nikkei 225",
	"^GSPC":    "S&P 500",
}

func defaultName(code string, krx bool) string {
	if n, ok := knownNames[code]; ok {
		return n
	}
	if krx {
		return "모의종목" + code
	}
	return "Simulated " + code + " Inc."
}

// isin returns the ISIN of a KRX common share (KR7 + code + 00 + check digit).
func isin(code string) string {
	body := "KR7" + code + "00"
	var digits strings.Builder
	for _, c := range body {
		if c >= 'A' && c <= 'Z' {
			digits.WriteString(strconv.Itoa(int(c-'A') + 10))
		} else {
			digits.WriteRune(c)
		}
	}
	s := digits.String()
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

// commas formats n with thousands separators, as Naver writes numbers.
func commas(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// koreanAmount formats a KRW amount the way Naver's polling API does:
// "4조 2,538억", "2,538억", rounded to 억 (10^8).
func koreanAmount(won int64) string {
	eok := (won + 50_000_000) / 100_000_000
	jo, rest := eok/10000, eok%10000
	switch {
	case jo > 0 && rest > 0:
		return commas(jo) + "조 " + commas(rest) + "억"
	case jo > 0:
		return commas(jo) + "조"
	}
	return commas(rest) + "억"
}
