package validate

import (
	"slices"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// Scope is what one run checked: which instruments of which markets and
// sources, over which sessions, and which jobs. The alert state resolves
// an open problem only when the run's scope covers it; one a run did not
// look at (another market, another source, a session before its
// lookback) is not known to have healed.
type Scope struct {
	windows []window
	jobs    []string
}

// window is one (market, source) pass: its sessions and the instruments
// it read.
type window struct {
	market, source string
	from, to       market.Date
	symbols        map[string]bool
}

func (s *Scope) add(mkt, source string, from, to market.Date, insts []market.Instrument) {
	w := window{market: mkt, source: source, from: from, to: to, symbols: make(map[string]bool, len(insts))}
	for _, in := range insts {
		w.symbols[in.Symbol] = true
	}
	s.windows = append(s.windows, w)
}

// Covers reports whether the run checked where the problem with the
// given ID lies. An ID it cannot read is not covered: its problem keeps
// its state rather than being declared healed.
func (s *Scope) Covers(id string) bool {
	parts := strings.Split(id, "|")
	kind := Kind(parts[0])
	if len(parts) == 2 && kind == KindDeadMan {
		return slices.Contains(s.jobs, parts[1])
	}
	if len(parts) != 4 {
		return false
	}
	day, err := market.ParseDate(parts[3])
	if err != nil {
		return false
	}
	switch kind {
	case KindMarketMissing, KindDrift:
		return s.has(func(w window) bool { return w.market == parts[1] && w.source == parts[2] }, day)
	case KindCalendar:
		return s.has(func(w window) bool { return w.market == parts[1] }, day)
	case KindCrossSource:
		// Both sources must have been read for a difference to be seen.
		return s.has(func(w window) bool {
			return w.market == market.XKRX && w.source == market.SourceNaver && w.symbols[parts[2]]
		}, day) &&
			s.has(func(w window) bool {
				return w.market == market.XKRX && w.source == market.SourceYahoo && (w.symbols[parts[2]+".KS"] || w.symbols[parts[2]+".KQ"])
			}, day)
	}
	return s.has(func(w window) bool { return w.source == parts[1] && w.symbols[parts[2]] }, day)
}

// has reports whether a window that match accepts covers day.
func (s *Scope) has(match func(window) bool, day market.Date) bool {
	for _, w := range s.windows {
		if match(w) && day >= w.from && day <= w.to {
			return true
		}
	}
	return false
}
