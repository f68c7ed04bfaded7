package sourcetest

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// instrument is one symbol resolved against the options: everything the
// history and the handlers need, fixed at New (or, for symbols not
// configured, at first request).
type instrument struct {
	code       string // "AAPL", "005930"
	krx        bool
	board      string // KOSPI or KOSDAQ for KRX codes
	name       string
	kind       kind
	mkt        market.Market
	cal        Sessions
	open       time.Duration // session open, local time of day
	decimals   int           // the traded price's precision: 0 for KRW, 2 for USD
	listed     market.Date
	delisted   market.Date
	splits     []Split
	divs       []Dividend
	halts      map[market.Date]bool
	nulls      map[market.Date][]string
	seed       uint64
	configured bool
	illiquid   bool

	walkMu sync.Mutex
	tail   []rawBar    // the last walkTail sessions of the walk through tailTo
	tailTo market.Date // (see walked)
}

// splitYahoo splits a Yahoo KRX symbol ("005930.KS") into code and board.
func splitYahoo(sym string) (code, board string, ok bool) {
	code, suffix, found := strings.Cut(sym, ".")
	if !found || !market.IsKRXCode(code) {
		return "", "", false
	}
	switch suffix {
	case "KS":
		return code, market.BoardKOSPI, true
	case "KQ":
		return code, market.BoardKOSDAQ, true
	}
	return "", "", false
}

// validTicker reports whether s can be a US ticker the simulator serves.
func validTicker(s string) bool {
	if s == "" || len(s) > 10 || (s[0] < 'A' || s[0] > 'Z') && s[0] != '^' || market.IsKRXCode(s) || strings.HasSuffix(s, ".KS") || strings.HasSuffix(s, ".KQ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '.' && c != '^' {
			return false
		}
	}
	return true
}

// Validate reports the first invalid setting, naming the symbol and field.
func (o Options) Validate() error {
	seen := map[string]bool{}
	for _, s := range o.Symbols {
		code, board := s.Symbol, s.Board
		if c, b, ok := splitYahoo(code); ok {
			if board != "" && board != b {
				return fmt.Errorf("sourcetest: symbol %s: board %q contradicts its suffix", s.Symbol, board)
			}
			code, board = c, b
		}
		if _, ok := yahooKind(code); !ok && !market.IsKRXCode(code) {
			return fmt.Errorf("sourcetest: symbol %q: want a US ticker (AAPL), a KRX code (005930, 247540.KQ), "+
				"a listed share with a Yahoo suffix (7203.T, VOD.L, SAP.DE), an index (^GSPC, ^N225), a crypto pair (BTC-USD) or a currency pair (EURUSD=X)", s.Symbol)
		}
		if board != "" && board != market.BoardKOSPI && board != market.BoardKOSDAQ {
			return fmt.Errorf("sourcetest: symbol %s: board %q: want KOSPI or KOSDAQ", s.Symbol, board)
		}
		if board != "" && !market.IsKRXCode(code) {
			return fmt.Errorf("sourcetest: symbol %s: a board belongs to KRX codes only", s.Symbol)
		}
		if seen[code] {
			return fmt.Errorf("sourcetest: symbol %s configured twice", s.Symbol)
		}
		seen[code] = true
		if s.Delisted != 0 && s.Listed != 0 && s.Delisted < s.Listed {
			return fmt.Errorf("sourcetest: symbol %s: delisted %s before listed %s", s.Symbol, s.Delisted, s.Listed)
		}
		for _, sp := range s.Splits {
			if sp.Numerator <= 0 || sp.Denominator <= 0 || sp.Date == 0 {
				return fmt.Errorf("sourcetest: symbol %s: split %d:%d on %s: want a date and positive numerator and denominator",
					s.Symbol, sp.Numerator, sp.Denominator, sp.Date)
			}
		}
		for _, dv := range s.Dividends {
			if dv.Amount <= 0 || dv.Date == 0 {
				return fmt.Errorf("sourcetest: symbol %s: dividend %s on %s: want a date and a positive amount", s.Symbol, dv.Amount, dv.Date)
			}
		}
		for _, n := range s.YahooNulls {
			for _, f := range n.Fields {
				if !slices.Contains(nullFields, f) {
					return fmt.Errorf("sourcetest: symbol %s: null field %q on %s: want one of %v", s.Symbol, f, n.Date, nullFields)
				}
			}
		}
	}
	for k, l := range o.Limits {
		if l.Requests <= 0 || l.Window <= 0 {
			return fmt.Errorf("sourcetest: limit %s: want a positive request count and window", k)
		}
	}
	for k, f := range o.Faults {
		if err := f.validate(); err != nil {
			return fmt.Errorf("sourcetest: faults %s: %w", k, err)
		}
	}
	return nil
}

var nullFields = []string{"open", "high", "low", "close", "volume", "adjclose"}

// symbolSeed hashes the seed and the code, so each symbol has its own
// history and changing one symbol's configuration leaves the others alone.
func symbolSeed(seed uint64, code string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(code))
	return h.Sum64()
}

// resolve builds the instrument for a code with an optional configuration.
func (m *Market) newInstrument(code, board string, s *Symbol) *instrument {
	in := &instrument{code: code, krx: market.IsKRXCode(code), board: board, seed: symbolSeed(m.opts.Seed, code)}
	if in.krx {
		if in.board == "" {
			in.board = market.BoardKOSPI
		}
		in.kind = krxKind(in.board)
	} else {
		in.kind, _ = yahooKind(code) // lookup and Validate admit only symbols it places
	}
	in.mkt, _ = market.LookupMarket(in.kind.mic) // every kind is on a registered market
	in.open, in.decimals = in.mkt.Open, in.kind.decimals
	in.cal = m.calendar(in.kind.mic)
	in.listed = m.opts.HistoryStart
	in.name = defaultName(code, in.krx)
	if s != nil {
		in.configured = true
		in.illiquid = s.Illiquid
		if s.Name != "" {
			in.name = s.Name
		}
		if s.Listed != 0 {
			in.listed = s.Listed
		}
		in.delisted = s.Delisted
		in.splits = slices.SortedFunc(slices.Values(s.Splits), func(a, b Split) int { return int(a.Date - b.Date) })
		in.divs = slices.SortedFunc(slices.Values(s.Dividends), func(a, b Dividend) int { return int(a.Date - b.Date) })
		in.halts = make(map[market.Date]bool, len(s.Halts))
		for _, d := range s.Halts {
			in.halts[d] = true
		}
		in.nulls = make(map[market.Date][]string, len(s.YahooNulls))
		for _, n := range s.YahooNulls {
			f := n.Fields
			if len(f) == 0 {
				f = nullFields
			}
			in.nulls[n.Date] = f
		}
	}
	return in
}

// lookup finds the instrument a source's symbol names; false when the
// symbol is unknown to that source.
func (m *Market) lookup(source, sym string) (*instrument, bool) {
	var code, board string
	switch source {
	case market.SourceYahoo:
		if c, b, ok := splitYahoo(sym); ok {
			code, board = c, b
		} else if _, ok := yahooKind(sym); ok && !market.IsKRXCode(sym) {
			code = sym
		} else {
			return nil, false
		}
	case market.SourceNaver:
		if !market.IsKRXCode(sym) {
			return nil, false
		}
		code = sym
	default:
		return nil, false
	}
	if m.unknown[code] {
		return nil, false
	}
	if in, ok := m.insts[code]; ok {
		if board != "" && board != in.board {
			return nil, false
		}
		return in, true
	}
	if m.opts.OnlyListed {
		return nil, false
	}
	return m.newInstrument(code, board, nil), true
}

// at returns the instant of a local time of day on d, in the exchange's zone.
func (in *instrument) at(d market.Date, tod time.Duration) time.Time {
	h, mi := int(tod/time.Hour), int(tod%time.Hour/time.Minute)
	return time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, in.mkt.Location)
}
