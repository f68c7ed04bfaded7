package validate

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// A validation of the whole history reads every bar once; after it, each
// instrument found clean up to a date (no finding, no missing session)
// gets a checkpoint there: its scan state at that date. The next
// validation of the whole history restores the state and reads only the
// bars after the date, as long as the store says no write has touched
// the bars before it, and the rules and calendar they were checked
// against are the same (the fingerprint).

// checkpointLag is how many sessions before the last closed one the
// checkpoint is taken: the sources restate recent bars (the collector
// fetches its restatement window again every day), and a write at or
// before the checkpoint voids it, so the bars after it are read every time.
const checkpointLag = 30

// checkpointRules names the checks a checkpoint vouches for: change it
// when a check changes, and every instrument is read whole again.
const checkpointRules = "validate/v2" // v2: board limits (LimitOf)

// snapshot is an instrument's scan state as it was at the scope's
// checkpoint date.
type snapshot struct {
	taken                bool
	bars                 int
	first, last          market.Date
	prev                 market.Bar
	hasPrev              bool
	repeatFrom, repeatTo market.Date
	repeats              int
}

func (st *instState) snapshot() snapshot {
	return snapshot{
		taken: true, bars: st.bars, first: st.first, last: st.last, prev: st.prev, hasPrev: st.hasPrev,
		repeatFrom: st.repeatStart, repeatTo: st.repeatEnd, repeats: st.repeats,
	}
}

// checkpointDate is the date the scope's checkpoints are taken at: zero
// when the window has too few sessions.
func checkpointDate(sessions []market.Date) market.Date {
	if len(sessions) <= checkpointLag {
		return 0
	}
	return sessions[len(sessions)-1-checkpointLag]
}

// start is the first session an instrument is expected to have a bar for:
// its listing date when known, else its first bar.
func start(in market.Instrument, first market.Date) market.Date {
	if !in.Listed.IsZero() {
		return in.Listed
	}
	return first
}

// fingerprint digests what a checkpoint of an instrument starting at
// start and taken at through was checked against.
func (v *Validator) fingerprint(sc *scope, start, through market.Date) string {
	k := [2]market.Date{start, through}
	if f, ok := sc.fingerprints[k]; ok {
		return f
	}
	h := fnv.New64a()
	mkt := sc.cal.Market()
	fmt.Fprintf(h, "%s|%s|%g|%g|%d|%s|%s|", checkpointRules, mkt.Code, mkt.DailyLimit, v.cfg.MaxMove, v.cfg.MaxRepeats, start, through)
	var b [4]byte
	for _, d := range sc.cal.Sessions(start, through) {
		binary.LittleEndian.PutUint32(b[:], uint32(d))
		h.Write(b[:])
	}
	f := fmt.Sprintf("%016x", h.Sum64())
	sc.fingerprints[k] = f
	return f
}

// restore takes the checkpoints of the scope's instruments and, for each
// that still holds, restores its state and sets where its scan resumes.
func (v *Validator) restore(sc *scope, states map[market.Key]*instState, cps []store.Checkpoint) {
	for i := range cps {
		cp := &cps[i]
		st := states[cp.Key]
		if st == nil {
			continue
		}
		st.cp = cp
		if v.cfg.Recheck || cp.Through.IsZero() || cp.Through >= sc.to || cp.First != cp.FirstStored ||
			cp.First < sc.from || sc.needsCloses(cp.Key) ||
			cp.Fingerprint != v.fingerprint(sc, start(st.inst, cp.First), cp.Through) {
			continue
		}
		st.restored = cp.Through
		st.bars, st.first, st.last = cp.Bars, cp.First, cp.Last
		st.prev, st.hasPrev = cp.Prev, !cp.Prev.Date.IsZero()
		st.repeatStart, st.repeatEnd, st.repeats = cp.RepeatFrom, cp.RepeatTo, cp.Repeats
		// Clean means every expected session through the checkpoint has
		// a bar.
		end := cp.Through
		if !st.inst.Delisted.IsZero() && st.inst.Delisted < end {
			end = st.inst.Delisted
		}
		lo, _ := slices.BinarySearch(sc.sessions, start(st.inst, cp.First))
		hi, _ := slices.BinarySearch(sc.sessions, end.AddDays(1))
		for j := lo; j < hi; j++ {
			st.present[j] = true
		}
		st.next, _ = slices.BinarySearch(sc.sessions, cp.Through.AddDays(1))
	}
}

// checkpoints returns the checkpoints to save after a scan: for each
// instrument whose bars through the scope's checkpoint date were all read
// (or restored) and found clean.
func (v *Validator) checkpoints(sc *scope, states []*instState) []store.Checkpoint {
	if sc.through.IsZero() {
		return nil
	}
	var out []store.Checkpoint
	for _, st := range states {
		if st.cp == nil || !st.snap.taken || st.snap.bars == 0 || sc.needsCloses(st.inst.Key) {
			continue
		}
		s := st.snap
		switch {
		case !st.restored.IsZero() && st.restored >= sc.through:
			continue // the one it has is as recent
		case st.restored.IsZero() && (st.cp.FirstStored.IsZero() || st.cp.FirstStored < sc.from || s.first != st.cp.FirstStored):
			continue // bars before the window were not read
		case !st.found.IsZero() && st.found <= sc.through:
			continue
		}
		// Every expected session through the checkpoint has a bar.
		begin := start(st.inst, s.first)
		end := sc.through
		if !st.inst.Delisted.IsZero() && st.inst.Delisted < end {
			end = st.inst.Delisted
		}
		lo, _ := slices.BinarySearch(sc.sessions, begin)
		hi, _ := slices.BinarySearch(sc.sessions, end.AddDays(1))
		if begin < sc.from || slices.Contains(st.present[lo:hi], false) {
			continue
		}
		cp := *st.cp
		cp.Through, cp.Fingerprint = sc.through, v.fingerprint(sc, begin, sc.through)
		cp.Bars, cp.First, cp.Last = s.bars, s.first, s.last
		cp.Prev = market.Bar{}
		if s.hasPrev {
			cp.Prev = s.prev
		}
		cp.RepeatFrom, cp.RepeatTo, cp.Repeats = s.repeatFrom, s.repeatTo, s.repeats
		out = append(out, cp)
	}
	return out
}
