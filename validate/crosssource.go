package validate

import (
	"fmt"
	"sort"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/yahoo"
)

// crossSource compares the closes of KRX instruments collected from both
// Naver and Yahoo. The sites are known to differ slightly, so differences
// are informational.
type crossSource struct {
	tolerance float64
	paired    map[string]bool // KRX codes collected from both sources
	closes    map[string]map[market.Date]*[2]market.Decimal
}

func newCrossSource(insts []market.Instrument, tolerance float64) *crossSource {
	seen := map[string]map[string]bool{}
	for _, in := range insts {
		if code, ok := krxCode(in.Key); ok {
			if seen[code] == nil {
				seen[code] = map[string]bool{}
			}
			seen[code][in.Source] = true
		}
	}
	c := &crossSource{tolerance: tolerance, paired: map[string]bool{}, closes: map[string]map[market.Date]*[2]market.Decimal{}}
	for code, sources := range seen {
		if sources[market.SourceNaver] && sources[market.SourceYahoo] {
			c.paired[code] = true
			c.closes[code] = map[market.Date]*[2]market.Decimal{}
		}
	}
	return c
}

// krxCode returns the KRX code a Naver or Yahoo symbol names.
func krxCode(k market.Key) (string, bool) {
	switch k.Source {
	case market.SourceNaver:
		return k.Symbol, market.IsKRXCode(k.Symbol)
	case market.SourceYahoo:
		code, _, ok := yahoo.KRXCode(k.Symbol)
		return code, ok
	}
	return "", false
}

// needs reports whether the check needs every close of k: checkpoints
// cannot stand in for them.
func (c *crossSource) needs(k market.Key) bool {
	code, ok := krxCode(k)
	return ok && c.paired[code]
}

func (c *crossSource) keep(k market.Key, d market.Date, close market.Decimal) {
	code, ok := krxCode(k)
	if !ok || !c.paired[code] {
		return
	}
	pair := c.closes[code][d]
	if pair == nil {
		pair = &[2]market.Decimal{}
		c.closes[code][d] = pair
	}
	if k.Source == market.SourceNaver {
		pair[0] = close
	} else {
		pair[1] = close
	}
}

func (c *crossSource) problems() []Problem {
	codes := make([]string, 0, len(c.closes))
	for code := range c.closes {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	var out []Problem
	for _, code := range codes {
		dates := make([]market.Date, 0, len(c.closes[code]))
		for d := range c.closes[code] {
			dates = append(dates, d)
		}
		sort.Slice(dates, func(i, j int) bool { return dates[i] < dates[j] })
		for _, d := range dates {
			p := c.closes[code][d]
			if p[0] <= 0 || p[1] <= 0 {
				continue
			}
			diff := p[1].Float64()/p[0].Float64() - 1
			if diff > c.tolerance || diff < -c.tolerance {
				out = append(out, Problem{
					Kind: KindCrossSource, Market: market.XKRX, Key: market.Key{Source: market.SourceNaver, Symbol: code},
					From: d, To: d,
					Detail: fmt.Sprintf("Naver close %s, Yahoo close %s (%+.1f%%)", p[0], p[1], 100*diff),
				})
			}
		}
	}
	return out
}
