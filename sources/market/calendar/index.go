package calendar

import "github.com/marketd/marketd/sources/market"

// index holds the sessions of a span of days: the sorted sessions and, per
// day, how many sessions come before it. A day is a session when the count
// steps up across it; the sessions between two days are one sub-slice.
type index struct {
	start, end market.Date
	startDay   int
	prefix     []int32 // prefix[i]: sessions on the days before start+i
	sessions   []market.Date
}

func buildIndex(start, end market.Date, open func(market.Date) bool) index {
	ix := index{start: start, end: end, startDay: dayNumber(start)}
	n := dayNumber(end) - ix.startDay + 1
	ix.prefix = make([]int32, n+1)
	ix.sessions = make([]market.Date, 0, n*5/7)
	d := start
	for i := range n {
		if open(d) {
			ix.sessions = append(ix.sessions, d)
		}
		ix.prefix[i+1] = int32(len(ix.sessions))
		d = nextDay(d)
	}
	return ix
}

func (ix *index) contains(d market.Date) bool { return d >= ix.start && d <= ix.end }

func (ix *index) isSession(d market.Date) bool {
	off := dayNumber(d) - ix.startDay
	return ix.prefix[off+1] > ix.prefix[off]
}

// between returns the sessions from lo to hi inclusive, both contained; the
// slice aliases the index and must not be modified.
func (ix *index) between(lo, hi market.Date) []market.Date {
	i := ix.prefix[dayNumber(lo)-ix.startDay]
	j := ix.prefix[dayNumber(hi)-ix.startDay+1]
	return ix.sessions[i:j]
}

func (ix *index) next(d market.Date) (market.Date, bool) {
	i := int(ix.prefix[dayNumber(d)-ix.startDay+1])
	if i < len(ix.sessions) {
		return ix.sessions[i], true
	}
	return 0, false
}

func (ix *index) prev(d market.Date) (market.Date, bool) {
	i := int(ix.prefix[dayNumber(d)-ix.startDay]) - 1
	if i >= 0 {
		return ix.sessions[i], true
	}
	return 0, false
}
