package market

import (
	"strings"
	"testing"
	"time"
)

func TestLookupMarket(t *testing.T) {
	tests := map[string]string{
		"XKRX": XKRX, "KOSPI": XKRX, "KOSDAQ": XKRX, "KRX": XKRX, "XKOS": XKRX,
		"XNYS": XNYS, "NYSE": XNYS, "NASDAQ": XNYS, "US": XNYS, "XNAS": XNYS,
		"JPX": "XTKS", "TSE": "XTKS", "XTKS": "XTKS", "LSE": "XLON", "XETRA": "XETR", "xetra": "XETR",
		"HKEX": "XHKG", "SSE": "XSHG", "SZSE": "XSHE", "TSX": "XTSE", "ASX": "XASX", "NSE": "XNSE",
		"BSE": "XBOM", "TWSE": "XTAI", "SIX": "XSWX", "CCC": CRYPTO, "CRYPTO": CRYPTO, "FX": FX, "CCY": FX,
	}
	for code, want := range tests {
		m, err := LookupMarket(code)
		if err != nil || m.Code != want {
			t.Errorf("LookupMarket(%q) = %q, %v; want %s", code, m.Code, err, want)
		}
	}
	for _, bad := range []string{"XWAR", "KQKS", "XKFE", "XEUR", ""} {
		if _, err := LookupMarket(bad); err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("LookupMarket(%q) error = %v, want one naming it", bad, err)
		}
	}
}

func TestMarketRows(t *testing.T) {
	tests := []struct {
		code, zone, open, close string
		limit                   float64
	}{
		{XKRX, "Asia/Seoul", "09:00", "15:30", 0.30},
		{XNYS, "America/New_York", "09:30", "16:00", 0},
		{"XTKS", "Asia/Tokyo", "09:00", "15:30", 0},
		{"XSHG", "Asia/Shanghai", "09:30", "15:00", 0.10},
		{"XSHE", "Asia/Shanghai", "09:30", "15:00", 0.10},
		{"XTAI", "Asia/Taipei", "09:00", "13:30", 0.10},
		{"XLIS", "Europe/Lisbon", "08:00", "16:30", 0},
		{CRYPTO, "UTC", "00:00", "24:00", 0},
		{FX, "Europe/London", "00:00", "24:00", 0},
	}
	for _, tt := range tests {
		m, err := LookupMarket(tt.code)
		if err != nil {
			t.Fatal(err)
		}
		open, _ := ParseClock(tt.open)
		cls, _ := ParseClock(tt.close)
		if m.Location.String() != tt.zone || m.Open != open || m.Close != cls || m.DailyLimit != tt.limit {
			t.Errorf("%s = %s %s-%s limit %v; want %s %s-%s limit %v", tt.code, m.Location, m.Open, m.Close, m.DailyLimit, tt.zone, tt.open, tt.close, tt.limit)
		}
	}
	if m, _ := LookupMarket(XKRX); m.Settle != 20*time.Hour {
		t.Errorf("XKRX settle = %s, want 20h (after-hours trading ends at 20:00)", m.Settle)
	}
	if m, _ := LookupMarket("XTKS"); m.Settle != m.Close {
		t.Errorf("XTKS settle = %s, want its close", m.Settle)
	}
}

func TestMarketOfYahoo(t *testing.T) {
	exchanges := map[string]string{
		"NMS": XNYS, "NYQ": XNYS, "NGM": XNYS, "NCM": XNYS, "ASE": XNYS, "PCX": XNYS, "BTS": XNYS, "NIM": XNYS, "SNP": XNYS,
		"JPX": "XTKS", "LSE": "XLON", "GER": "XETR", "FRA": "XFRA", "PAR": "XPAR", "AMS": "XAMS", "BRU": "XBRU", "LIS": "XLIS",
		"HKG": "XHKG", "SHH": "XSHG", "SHZ": "XSHE", "TOR": "XTSE", "ASX": "XASX", "NSI": "XNSE", "BSE": "XBOM",
		"TAI": "XTAI", "TWO": "ROCO", "KSC": XKRX, "KOE": XKRX, "EBS": "XSWX", "CCC": CRYPTO, "CCY": FX,
	}
	for ex, want := range exchanges {
		if m, err := MarketOfYahooExchange(ex); err != nil || m.Code != want {
			t.Errorf("MarketOfYahooExchange(%q) = %q, %v; want %s", ex, m.Code, err, want)
		}
	}
	if _, err := MarketOfYahooExchange("CME"); err == nil || !strings.Contains(err.Error(), `"CME"`) {
		t.Errorf("MarketOfYahooExchange(CME) error = %v", err)
	}
	symbols := map[string]string{
		"7203.T": "XTKS", "VOD.L": "XLON", "SAP.DE": "XETR", "SAP.F": "XFRA", "MC.PA": "XPAR", "ASML.AS": "XAMS",
		"ABI.BR": "XBRU", "EDP.LS": "XLIS", "0700.HK": "XHKG", "600497.SS": "XSHG", "000001.SZ": "XSHE",
		"RY.TO": "XTSE", "BHP.AX": "XASX", "RELIANCE.NS": "XNSE", "500325.BO": "XBOM", "2330.TW": "XTAI",
		"6488.TWO": "ROCO", "005930.KS": XKRX, "247540.KQ": XKRX, "NESN.SW": "XSWX", "EURUSD=X": FX, "KRW=X": FX,
		"KOSPI-25.KS": XKRX, "WSU.DE": "XETR",
	}
	for sym, want := range symbols {
		if m, err := MarketOfYahooSymbol(sym); err != nil || m.Code != want {
			t.Errorf("MarketOfYahooSymbol(%q) = %q, %v; want %s", sym, m.Code, err, want)
		}
	}
	for _, sym := range []string{"AAPL", "BTC-USD", "^N225", ".T", "BRK.B"} {
		if _, err := MarketOfYahooSymbol(sym); err == nil || !strings.Contains(err.Error(), `"`+sym+`"`) {
			t.Errorf("MarketOfYahooSymbol(%q) error = %v, want one naming it", sym, err)
		}
	}
}

// Every row loads, and no code, alias, Yahoo exchange or suffix names two
// markets: each lookup would silently pick the first.
func TestRegistryIsConsistent(t *testing.T) {
	ms, err := Markets()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 23 {
		t.Errorf("%d markets, want 23", len(ms))
	}
	names, exchanges, suffixes := map[string]string{}, map[string]string{}, map[string]string{}
	claim := func(seen map[string]string, kind, key, code string) {
		if prev, ok := seen[key]; ok && prev != code {
			t.Errorf("%s %q names both %s and %s", kind, key, prev, code)
		}
		seen[key] = code
	}
	for _, m := range ms {
		claim(names, "name", m.Code, m.Code)
		for _, a := range m.Aliases {
			claim(names, "name", a, m.Code)
		}
		for _, e := range m.YahooExchanges {
			claim(exchanges, "Yahoo exchange", e, m.Code)
		}
		for _, s := range m.YahooSuffixes {
			claim(suffixes, "suffix", s, m.Code)
		}
		if m.Name == "" || m.Calendar == "" || m.Open >= m.Close || m.Settle < m.Close {
			t.Errorf("%s: incomplete row %+v", m.Code, m)
		}
	}
}

func TestParseClock(t *testing.T) {
	for s, want := range map[string]time.Duration{"00:00": 0, "09:30": 9*time.Hour + 30*time.Minute, "24:00": 24 * time.Hour} {
		if got, err := ParseClock(s); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %s, %v", s, got, err)
		}
	}
	for _, s := range []string{"24:01", "9:30", "+9:30", "09:60", "0930", "", "ab:cd", "09:3x"} {
		if _, err := ParseClock(s); err == nil || !strings.Contains(err.Error(), `"`+s+`"`) {
			t.Errorf("ParseClock(%q) error = %v", s, err)
		}
	}
}

func TestWholeTick(t *testing.T) {
	for _, tt := range []struct {
		market, typ string
		want        bool
	}{
		{XKRX, TypeEquity, true},
		{XKRX, TypeETF, true},
		{XKRX, TypeIndex, false},
		{"XTKS", TypeEquity, false},
		{XNYS, TypeEquity, false},
		{FX, TypeCurrency, false},
	} {
		m, err := LookupMarket(tt.market)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.WholeTick(tt.typ); got != tt.want {
			t.Errorf("%s.WholeTick(%s) = %v, want %v", tt.market, tt.typ, got, tt.want)
		}
	}
}

func TestLimitOf(t *testing.T) {
	for _, tt := range []struct {
		mic, symbol string
		want        float64
	}{
		{"XSHG", "600497.SS", 0.10},
		{"XSHG", "688981.SS", 0.20}, // STAR Market
		{"XSHE", "000001.SZ", 0.10},
		{"XSHE", "300750.SZ", 0.20}, // ChiNext
		{"XSHE", "301269.SZ", 0.20},
		{"XKRX", "005930", 0.30},
		{"XNYS", "AAPL", 0},
	} {
		m, err := LookupMarket(tt.mic)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.LimitOf(tt.symbol); got != tt.want {
			t.Errorf("%s %s: limit %g, want %g", tt.mic, tt.symbol, got, tt.want)
		}
	}
}

func TestZoneOf(t *testing.T) {
	for code, want := range map[string]string{"XKRX": "Asia/Seoul", "KOSPI": "Asia/Seoul", "XNYS": "America/New_York", "NOWHERE": "UTC"} {
		if got := ZoneOf(code).String(); got != want {
			t.Errorf("ZoneOf(%q) = %s, want %s", code, got, want)
		}
	}
}
