package validate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// After the close of 2026-05-29 in New York: 102 XNYS sessions since
// 2026-01-02, so checkpoints are taken at the 31st session from the end.
var nyNow = time.Date(2026, 5, 29, 22, 0, 0, 0, time.UTC)

func yahoo(symbol string) market.Key { return market.Key{Source: market.SourceYahoo, Symbol: symbol} }

// history stores three XNYS instruments: CLEAN has every session right,
// EARLY has a bad high on its 11th session (2026-01-16), HOLE misses its
// 21st (2026-02-02).
func history(t *testing.T, s *store.Store) []market.Date {
	t.Helper()
	ctx := context.Background()
	cal, err := calendar.For(market.XNYS)
	if err != nil {
		t.Fatal(err)
	}
	sessions := cal.Sessions(20260102, 20260529)
	if len(sessions) != 102 {
		t.Fatalf("calendar gives %d sessions, the test assumes 102", len(sessions))
	}
	var insts []market.Instrument
	var writes []store.Write
	for n, sym := range []string{"CLEAN", "EARLY", "HOLE"} {
		insts = append(insts, market.Instrument{Key: yahoo(sym), Market: market.XNYS, Active: true})
		w := store.Write{Key: yahoo(sym)}
		for i, d := range sessions {
			b := bar(d, int64(100*(n+1)+i%7))
			switch {
			case sym == "EARLY" && i == 10:
				b.High = market.Some(b.Close - market.DecimalFromInt(1))
			case sym == "HOLE" && i == 20:
				continue
			}
			w.Bars = append(w.Bars, b)
		}
		writes = append(writes, w)
	}
	if _, err := s.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, writes); err != nil {
		t.Fatal(err)
	}
	return sessions
}

// TestCheckpointsReadOnlyWhatChanged runs whole-history validations one
// after another: each must report exactly what a full read reports, while
// reading again only the bars after the checkpoints that still hold.
func TestCheckpointsReadOnlyWhatChanged(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sessions := history(t, s)
		through := sessions[len(sessions)-31]
		if through != 20260416 {
			t.Fatalf("checkpoint date %s, want 2026-04-16", through)
		}
		clean := 102 - 30 // CLEAN's bars through the checkpoint
		run := func(cfg validate.Config, cals validate.Calendars) *validate.Report {
			t.Helper()
			cfg.Since = sessions[0]
			r, err := validate.New(cfg, s, cals, nil, nyNow).Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		check := func(name string, r *validate.Report, want []row, bars, unchanged int) {
			t.Helper()
			if got := rows(r.Problems); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: problems:\n got %v\nwant %v\n%s", name, got, want, details(r.Problems))
			}
			if len(r.Markets) != 1 || r.Markets[0].Bars != bars || r.Markets[0].Unchanged != unchanged {
				t.Errorf("%s: summary %+v, want %d bars of which %d unchanged", name, r.Markets, bars, unchanged)
			}
		}
		base := []row{
			{validate.KindGap, "yahoo HOLE", "2026-02-02", 1},
			{validate.KindBadBar, "yahoo EARLY", "2026-01-16", 0},
		}

		check("first run", run(validate.Config{}, calendars), base, 305, 0)
		check("second run", run(validate.Config{}, calendars), base, 305, clean)
		check("recheck", run(validate.Config{Recheck: true}, calendars), base, 305, 0)
		check("after a recheck", run(validate.Config{}, calendars), base, 305, clean)

		// A bar restated before the checkpoint voids it: the bad bar is
		// found, and CLEAN is read whole until it is clean again.
		restated := bar(sessions[5], 100+5)
		restated.High = market.Some(restated.Close - market.DecimalFromInt(2))
		if _, err := s.Write(ctx, []store.Write{{Key: yahoo("CLEAN"), Bars: []market.Bar{restated}}}); err != nil {
			t.Fatal(err)
		}
		withBad := []row{base[0], {validate.KindBadBar, "yahoo CLEAN", "2026-01-09", 0}, base[1]}
		check("after a restatement", run(validate.Config{}, calendars), withBad, 305, 0)
		check("still bad", run(validate.Config{}, calendars), withBad, 305, 0)
		if _, err := s.Write(ctx, []store.Write{{Key: yahoo("CLEAN"), Bars: []market.Bar{bar(sessions[5], 100+5)}}}); err != nil {
			t.Fatal(err)
		}
		check("repaired", run(validate.Config{}, calendars), base, 305, 0)
		check("clean again", run(validate.Config{}, calendars), base, 305, clean)

		// A bar after the checkpoint does not void it.
		recent := bar(sessions[100], 100+100%7)
		recent.Volume = market.Some(int64(5))
		if _, err := s.Write(ctx, []store.Write{{Key: yahoo("CLEAN"), Bars: []market.Bar{recent}}}); err != nil {
			t.Fatal(err)
		}
		check("recent restatement", run(validate.Config{}, calendars), base, 305, clean)

		// Other rules, or another calendar, and everything is read again.
		check("other rules", run(validate.Config{MaxRepeats: 9}, calendars), base, 305, 0)
		check("rules back", run(validate.Config{}, calendars), base, 305, 0)
		closed := func(_ context.Context, code string) (validate.Calendar, error) {
			c, err := calendar.For(code)
			if err != nil {
				return nil, err
			}
			return c.WithOverrides([]calendar.Override{{Date: sessions[40], Reason: "test closure"}}), nil
		}
		onClosed := "2026-03-03"
		if got := sessions[40].String(); got != onClosed {
			t.Fatalf("sessions[40] = %s, want %s", got, onClosed)
		}
		withClosure := []row{base[0],
			{validate.KindBadBar, "yahoo CLEAN", onClosed, 0},
			base[1],
			{validate.KindBadBar, "yahoo EARLY", onClosed, 0},
			{validate.KindBadBar, "yahoo HOLE", onClosed, 0}}
		check("calendar closure", run(validate.Config{}, closed), withClosure, 305, 0)
		// Under the closure nothing was clean, so the checkpoints of the
		// usual calendar were kept, and hold again.
		check("calendar back", run(validate.Config{}, calendars), base, 305, clean)

		// The daily lookback neither uses nor moves them.
		r, err := validate.New(validate.Config{Lookback: 30}, s, calendars, nil, nyNow).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Markets[0].Unchanged != 0 {
			t.Errorf("lookback: %d bars unchanged, want 0", r.Markets[0].Unchanged)
		}
		check("after a lookback", run(validate.Config{}, calendars), base, 305, clean)
	})
}

// TestCheckpointsNeedTheWholeHistory checks that a window starting after
// an instrument's first bar neither saves nor uses its checkpoint.
func TestCheckpointsNeedTheWholeHistory(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sessions := history(t, s)
		late := validate.Config{Since: sessions[3]}
		for i := range 2 {
			r, err := validate.New(late, s, calendars, nil, nyNow).Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Markets[0].Unchanged; got != 0 {
				t.Errorf("run %d from %s: %d bars unchanged, want 0", i+1, sessions[3], got)
			}
		}
		whole := validate.Config{Since: sessions[0]}
		for i, want := range []int{0, 72} {
			r, err := validate.New(whole, s, calendars, nil, nyNow).Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Markets[0].Unchanged; got != want {
				t.Errorf("whole run %d: %d bars unchanged, want %d", i+1, got, want)
			}
		}
		r, err := validate.New(late, s, calendars, nil, nyNow).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Markets[0].Unchanged; got != 0 {
			t.Errorf("late run after whole ones: %d bars unchanged, want 0", got)
		}
	})
}

// TestCheckpointsUnderConcurrentWrites breaks an old bar of CLEAN while a
// whole-history validation reads, then checks that the next validation
// finds it: the checkpoints the first one saves at its end must not vouch
// for a bar written after it read it. (Without the store's guard on the
// save, some rounds fail.)
func TestCheckpointsUnderConcurrentWrites(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sessions := history(t, s)
		cfg := validate.Config{Since: sessions[0]}
		check := func() *validate.Report {
			t.Helper()
			r, err := validate.New(cfg, s, calendars, nil, nyNow).Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		write := func(b market.Bar) {
			if _, err := s.Write(ctx, []store.Write{{Key: yahoo("CLEAN"), Bars: []market.Bar{b}}}); err != nil {
				t.Error(err)
			}
		}
		for i := range 12 {
			check()
			if r := check(); r.Markets[0].Unchanged == 0 {
				t.Fatalf("round %d: no checkpoint to resume from", i)
			}
			d := sessions[5+i]
			broken := bar(d, int64(100+(5+i)%7))
			broken.High = market.Some(broken.Close - market.DecimalFromInt(1))
			// The write lands at some point of the validation's run.
			wrote := make(chan struct{})
			go func() {
				defer close(wrote)
				time.Sleep(time.Duration(i) * 500 * time.Microsecond)
				write(broken)
			}()
			// Reading everything, it saves fresh checkpoints at its end.
			if _, err := validate.New(validate.Config{Since: sessions[0], Recheck: true}, s, calendars, nil, nyNow).Run(ctx); err != nil {
				t.Fatal(err)
			}
			<-wrote
			r := check()
			found := false
			for _, p := range r.Problems {
				found = found || p.Key == yahoo("CLEAN") && p.From == d
			}
			if !found {
				t.Fatalf("round %d: the bad bar of %s written during a validation is not reported:\n%s", i, d, details(r.Problems))
			}
			write(bar(d, int64(100+(5+i)%7))) // mended
		}
	})
}
