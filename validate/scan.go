package validate

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// scope is one pass of the checks: one source's instruments on one market
// over one window of sessions.
type scope struct {
	source   string
	cal      Calendar
	from, to market.Date   // the window checked; to is the last closed session
	today    market.Date   // the exchange's current date, for bars dated in the future
	sessions []market.Date // the calendar's sessions in from..to
	acked    func(market.Key, market.Date) bool
	// keep, when set, receives every stored close, for the cross-source
	// check; needsCloses says whose it needs.
	keep        func(market.Key, market.Date, market.Decimal)
	needsCloses func(market.Key) bool
	// through is the date checkpoints are taken at (zero: none), and
	// fingerprints caches them by first session and date.
	through      market.Date
	fingerprints map[[2]market.Date]string
}

// instState is what the scan remembers about one instrument: a bit per
// session of the window, plus what the bar-by-bar checks need.
type instState struct {
	inst        market.Instrument
	present     []bool
	next        int // the first session not before the last bar seen
	bars        int
	first, last market.Date
	prev        market.Bar
	hasPrev     bool
	repeatStart market.Date
	repeatEnd   market.Date
	repeats     int
	// found is the earliest date of anything found wrong, acknowledged
	// or not (zero: nothing): a checkpoint vouches only for clean bars.
	found market.Date
	// cp is the instrument's checkpoint as read; restored, its date when
	// the scan resumed from it; snap, the state at the scope's checkpoint
	// date.
	cp       *store.Checkpoint
	restored market.Date
	snap     snapshot
}

// noteFound records that something is wrong on d.
func (st *instState) noteFound(d market.Date) {
	if st.found.IsZero() || d < st.found {
		st.found = d
	}
}

// scanResult is what one pass found.
type scanResult struct {
	problems []Problem
	summary  MarketSummary
	// grid is, for the last gridSessions sessions, each instrument's cells.
	states []*instState
}

// check runs every per-instrument check of one scope in a single pass
// over the stored bars, so memory grows with instruments × sessions in
// the window (a bit each), never with the number of bars. Instruments
// whose checkpoint (cps, read for the scope) still holds resume from it;
// after the pass, the checkpoints of those found clean are saved.
func (v *Validator) check(ctx context.Context, sc *scope, insts []market.Instrument, cps []store.Checkpoint) (scanResult, error) {
	states := make(map[market.Key]*instState, len(insts))
	for _, in := range insts {
		states[in.Key] = &instState{inst: in, present: make([]bool, len(sc.sessions))}
	}
	var problems []Problem
	bad := func(st *instState, d market.Date, format string, args ...any) {
		st.noteFound(d)
		if sc.acked(st.inst.Key, d) {
			return
		}
		problems = append(problems, Problem{
			Kind: KindBadBar, Market: sc.cal.Market().Code, Key: st.inst.Key,
			From: d, To: d, Detail: fmt.Sprintf(format, args...),
		})
	}
	v.restore(sc, states, cps)
	// Instruments resuming from a checkpoint are read from the day after
	// it; the rest from the window's start.
	readFrom := map[market.Date][]string{}
	for _, in := range insts {
		from := sc.from
		if r := states[in.Key].restored; !r.IsZero() {
			from = r.AddDays(1)
		}
		readFrom[from] = append(readFrom[from], in.Symbol)
	}
	var moves []bigMove
	var st *instState
	visit := func(key market.Key, b market.Bar) error {
		// Bars come by symbol: look the instrument up once per symbol.
		if st == nil || st.inst.Key != key {
			var ok bool
			if st, ok = states[key]; !ok {
				return fmt.Errorf("store returned a bar of %s, which was not asked for", key)
			}
		}
		if !st.snap.taken && !sc.through.IsZero() && b.Date > sc.through {
			st.snap = st.snapshot()
		}
		st.bars++
		// Bars come by date: walk the sessions alongside them.
		for st.next < len(sc.sessions) && sc.sessions[st.next] < b.Date {
			st.next++
		}
		if st.next < len(sc.sessions) && sc.sessions[st.next] == b.Date {
			st.present[st.next] = true
		}
		if st.first.IsZero() {
			st.first = b.Date
		}
		st.last = b.Date
		if sc.keep != nil {
			sc.keep(key, b.Date, b.Close)
		}
		msgs, mv := v.badBar(sc, st, b)
		for _, msg := range msgs {
			bad(st, b.Date, "%s", msg)
		}
		if mv != nil {
			st.noteFound(b.Date)
			if !sc.acked(key, b.Date) {
				// Its actions are read after the scan, in this place.
				mv.at = len(problems)
				moves = append(moves, *mv)
				problems = append(problems, Problem{})
			}
		}
		v.trackRepeat(sc, st, b, bad)
		if !b.Halted {
			st.prev, st.hasPrev = b, true
		}
		return nil
	}
	for _, from := range slices.Sorted(maps.Keys(readFrom)) {
		lo, hi := from, sc.to.AddDays(366)
		if from == sc.from && wholeHistory(sc, states, readFrom[from]) {
			lo, hi = 0, 0 // every bar: the store need not compare dates
		}
		if err := v.store.ScanBarsOf(ctx, sc.source, readFrom[from], lo, hi, visit); err != nil {
			return scanResult{}, err
		}
	}
	var bars, unchanged int
	for _, st := range states {
		if !st.snap.taken {
			st.snap = st.snapshot() // nothing after the checkpoint date
		}
		bars += st.bars
		if !st.restored.IsZero() {
			unchanged += st.cp.Bars
		}
	}
	problems, err := v.explainMoves(ctx, sc, problems, moves)
	if err != nil {
		return scanResult{}, err
	}
	ordered := make([]*instState, 0, len(states))
	for _, in := range insts {
		st := states[in.Key]
		v.flushRepeat(sc, st, bad)
		ordered = append(ordered, st)
	}
	gaps, summary := v.gaps(sc, ordered)
	summary.Bars, summary.Unchanged = bars, unchanged
	summary.BadBars = len(problems)
	if err := v.store.SaveCheckpoints(ctx, v.checkpoints(sc, ordered)); err != nil {
		return scanResult{}, err
	}
	return scanResult{problems: append(gaps, problems...), summary: summary, states: ordered}, nil
}

// badBar returns what is wrong with one bar, if anything, and the move
// from the previous close when it is beyond the limit: whether a
// corporate action explains that takes a query, made after the scan
// (a store with one connection is busy with the scan until its end).
func (v *Validator) badBar(sc *scope, st *instState, b market.Bar) ([]string, *bigMove) {
	var out []string
	mkt := sc.cal.Market()
	if b.Date > sc.today {
		out = append(out, fmt.Sprintf("dated in the future (today is %s in %s)", sc.today, mkt.Code))
	}
	if !sc.cal.IsSession(b.Date) && sc.cal.Covers(b.Date) {
		out = append(out, fmt.Sprintf("dated on a day the %s calendar says was closed: the calendar or the data is wrong", mkt.Code))
	}
	if b.Close <= 0 {
		out = append(out, fmt.Sprintf("close %s is not positive", b.Close))
	}
	if b.Volume.Valid && b.Volume.V < 0 {
		out = append(out, fmt.Sprintf("volume %d is negative", b.Volume.V))
	}
	if b.Halted {
		return out, nil
	}
	hi, lo := b.Close, b.Close
	if b.Open.Valid {
		hi, lo = max(hi, b.Open.V), min(lo, b.Open.V)
	}
	if b.High.Valid && b.High.V < hi {
		out = append(out, fmt.Sprintf("high %s is below max(open, close) %s", b.High.V, hi))
	}
	if b.Low.Valid && b.Low.V > lo {
		out = append(out, fmt.Sprintf("low %s is above min(open, close) %s", b.Low.V, lo))
	}
	if st.hasPrev && st.prev.Close > 0 && b.Close > 0 {
		limit := mkt.LimitOf(st.inst.Symbol)
		if limit == 0 {
			limit = v.cfg.MaxMove
		}
		move := b.Close.Float64()/st.prev.Close.Float64() - 1
		// KRX limits are applied to tick-rounded prices: allow the rounding.
		if move > limit+0.005 || move < -limit-0.005 {
			return out, &bigMove{key: st.inst.Key, prevDate: st.prev.Date, prevClose: st.prev.Close, date: b.Date, move: move, limit: limit}
		}
	}
	return out, nil
}

// bigMove is a close move beyond the limit, waiting for its actions to
// be read; at is its place among the problems.
type bigMove struct {
	at             int
	key            market.Key
	prevDate, date market.Date
	prevClose      market.Decimal
	move, limit    float64
}

// explainMoves fills in the places kept for big moves: a bad bar unless a
// corporate action explains the move, removed when one does.
func (v *Validator) explainMoves(ctx context.Context, sc *scope, problems []Problem, moves []bigMove) ([]Problem, error) {
	if len(moves) == 0 {
		return problems, nil
	}
	keep := make([]bool, len(problems))
	for i := range keep {
		keep[i] = true
	}
	for _, m := range moves {
		var detail string
		explained, err := v.explained(ctx, m.key, m.prevDate, m.date)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			detail = fmt.Sprintf("close moved %+.1f%% from %s on %s, and its corporate actions could not be read: %v", 100*m.move, m.prevClose, m.prevDate, err)
		case !explained:
			detail = fmt.Sprintf("close moved %+.1f%% from %s on %s, beyond the %.0f%% limit, with no split or dividend to explain it", 100*m.move, m.prevClose, m.prevDate, 100*m.limit)
		default:
			keep[m.at] = false
			continue
		}
		problems[m.at] = Problem{
			Kind: KindBadBar, Market: sc.cal.Market().Code, Key: m.key,
			From: m.date, To: m.date, Detail: detail,
		}
	}
	out := problems[:0]
	for i, p := range problems {
		if keep[i] {
			out = append(out, p)
		}
	}
	return out, nil
}

// explained reports whether a corporate action between two dates accounts
// for a large move.
func (v *Validator) explained(ctx context.Context, key market.Key, after, upTo market.Date) (bool, error) {
	actions, err := v.store.Actions(ctx, key, after.AddDays(1), upTo)
	if err != nil {
		return false, err
	}
	return len(actions) > 0, nil
}

// trackRepeat follows runs of identical OHLCV bars, which mean a source
// is serving a frozen quote.
func (v *Validator) trackRepeat(sc *scope, st *instState, b market.Bar, bad func(*instState, market.Date, string, ...any)) {
	if b.Halted {
		return
	}
	if st.hasPrev && sameBar(st.prev, b) {
		if st.repeats == 0 {
			st.repeatStart, st.repeats = st.prev.Date, 1
		}
		st.repeats++
		st.repeatEnd = b.Date
		return
	}
	v.flushRepeat(sc, st, bad)
}

func (v *Validator) flushRepeat(sc *scope, st *instState, bad func(*instState, market.Date, string, ...any)) {
	if st.repeats > v.cfg.MaxRepeats {
		bad(st, st.repeatStart, "the same open/high/low/close/volume repeats for %d sessions (%s..%s): the source may be serving a frozen quote",
			st.repeats, st.repeatStart, st.repeatEnd)
	}
	st.repeats = 0
}

func sameBar(a, b market.Bar) bool {
	return a.Open == b.Open && a.High == b.High && a.Low == b.Low && a.Close == b.Close && a.Volume == b.Volume
}

// gaps finds, per instrument, the sessions of its expected range with no
// bar, after setting aside sessions missing for the whole market.
func (v *Validator) gaps(sc *scope, states []*instState) ([]Problem, MarketSummary) {
	mkt := sc.cal.Market().Code
	summary := MarketSummary{Market: mkt, Source: sc.source, Instruments: len(states), From: sc.from, To: sc.to, Sessions: len(sc.sessions)}
	// expected range per instrument, as session indexes [lo, hi]
	type span struct{ lo, hi int }
	spans := make([]span, len(states))
	expected := make([]int, len(sc.sessions))
	present := make([]int, len(sc.sessions))
	for n, st := range states {
		start, end, ok := expectedSpan(st.inst, st.first, sc.to)
		if !ok {
			spans[n] = span{0, -1} // nothing stored and no listing date: reported as stale
			continue
		}
		lo, _ := slices.BinarySearch(sc.sessions, start)
		hi, found := slices.BinarySearch(sc.sessions, end)
		if !found {
			hi--
		}
		spans[n] = span{lo, hi}
		for i := lo; i <= hi; i++ {
			expected[i]++
			if st.present[i] {
				present[i]++
			}
		}
	}

	var problems []Problem
	// A session nobody has is one problem for the market, not a gap each.
	marketWide := make([]bool, len(sc.sessions))
	var wide []market.Date
	for i, d := range sc.sessions {
		if expected[i] >= 2 && present[i] == 0 {
			marketWide[i] = true
			wide = append(wide, d)
		}
	}
	for _, r := range collapse(wide, sc.cal.Next) {
		kind, detail := KindMarketMissing, fmt.Sprintf("no %s instrument has a bar from %s: a collection failure, or a closure the calendar does not know", sc.source, mkt)
		if r[1] == sc.to {
			kind = KindDrift
			detail = fmt.Sprintf("%s returned no bars for any %s instrument: the source changed or blocked us", sc.source, mkt)
		}
		problems = append(problems, Problem{
			Kind: kind, Market: mkt, Key: market.Key{Source: sc.source},
			From: r[0], To: r[1], Sessions: countSessions(sc, r), Detail: detail, Repairable: true,
		})
		summary.MarketMissing += countSessions(sc, r)
	}

	for n, st := range states {
		sp := spans[n]
		if st.last.IsZero() {
			summary.Stale++
			problems = append(problems, Problem{
				Kind: KindStale, Market: mkt, Key: st.inst.Key, From: sc.from, To: sc.to,
				Detail: "no bars stored in the window checked", Repairable: true, Sessions: len(sc.sessions),
			})
			continue
		}
		// Sessions after the last stored bar make the instrument stale:
		// one problem, not a gap per day.
		tail := sp.hi + 1
		for tail > sp.lo && !st.present[tail-1] && !marketWide[tail-1] {
			tail--
		}
		var missing []market.Date
		for i := sp.lo; i < tail; i++ {
			if !st.present[i] && !marketWide[i] && !sc.acked(st.inst.Key, sc.sessions[i]) {
				missing = append(missing, sc.sessions[i])
			}
		}
		for _, r := range collapse(missing, sc.cal.Next) {
			c := countSessions(sc, r)
			summary.GapSessions += c
			problems = append(problems, Problem{
				Kind: KindGap, Market: mkt, Key: st.inst.Key, From: r[0], To: r[1], Sessions: c,
				Detail: "missing", Repairable: true,
			})
		}
		if tail <= sp.hi && !sc.acked(st.inst.Key, sc.sessions[tail]) {
			summary.Stale++
			r := [2]market.Date{sc.sessions[tail], sc.sessions[sp.hi]}
			problems = append(problems, Problem{
				Kind: KindStale, Market: mkt, Key: st.inst.Key, From: r[0], To: r[1], Sessions: countSessions(sc, r),
				Detail: fmt.Sprintf("latest bar is %s; the last closed session is %s", st.last, sc.sessions[sp.hi]), Repairable: true,
			})
		}
	}
	return problems, summary
}

func countSessions(sc *scope, r [2]market.Date) int {
	lo, _ := slices.BinarySearch(sc.sessions, r[0])
	hi, _ := slices.BinarySearch(sc.sessions, r[1])
	return hi - lo + 1
}

// wholeHistory reports whether the window starts at or before the first
// stored bar of every one of symbols.
func wholeHistory(sc *scope, states map[market.Key]*instState, symbols []string) bool {
	for _, sym := range symbols {
		st := states[market.Key{Source: sc.source, Symbol: sym}]
		if st.cp == nil || !st.cp.FirstStored.IsZero() && st.cp.FirstStored < sc.from {
			return false
		}
	}
	return true
}
