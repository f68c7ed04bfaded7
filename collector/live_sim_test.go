package collector

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/sourcetest"
)

// cancelAtPoll cancels the session when the simulated market's clock
// reaches at, as a kill would stop the daemon there.
type cancelAtPoll struct {
	QuotePoller
	clock  clockwork.Clock
	at     time.Time
	cancel context.CancelFunc
}

func (c cancelAtPoll) Quotes(ctx context.Context, insts []market.Instrument) (map[market.Key]market.Quote, error) {
	if !c.clock.Now().Before(c.at) {
		c.cancel()
		return nil, context.Canceled
	}
	return c.QuotePoller.Quotes(ctx, insts)
}

// Live polling against the simulated market through the real Naver source
// (an illiquid code among them), stopped mid-session and restarted two
// hours later: every minute polled holds the minute's exact close and
// volume, the first one after the open included (the feed said nothing
// had traded yet), except the first one after the restart, which has no
// volume; after the close the archive (ArchiveMinutes, as the
// intraday-naver job asks for it) restates the session, so that every
// minute of it, those missed while down and the last one included, is
// the source's exact bar.
func TestLiveRestartFilledByArchive(t *testing.T) {
	day := market.NewDate(2026, 10, 6)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 10, 6, 8, 58, 0, 0, seoul))
	symbols := []sourcetest.Symbol{{Symbol: "005930"}, {Symbol: "000660"}, {Symbol: "247540", Board: market.BoardKOSDAQ}, {Symbol: "950210", Illiquid: true}}
	m := sourcetest.New(sourcetest.Options{Now: clock.Now, Symbols: symbols, OnlyListed: true})
	url, stop := m.Start()
	t.Cleanup(stop)
	pool := httpx.NewPool(httpx.Config{Rate: rate.Inf, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}, nil)
	src := naver.New(naver.Config{FChartURL: url, APIURL: url, PollingURL: url, MobileURL: url, PollingBatch: 3, Now: clock.Now}, pool.Client())

	st := newStore(t)
	ctx := context.Background()
	var keys []market.Key
	var insts []market.Instrument
	for _, s := range symbols {
		in := market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: s.Symbol}, Market: market.XKRX, Board: market.BoardKOSPI, Active: true}
		if s.Board != "" {
			in.Board = s.Board
		}
		insts, keys = append(insts, in), append(keys, in.Key)
	}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetIntraday(ctx, keys, market.Interval1m); err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	open, closeAt, _ := cal.Hours(day)
	newLive := func(p QuotePoller) *Live {
		l, err := NewLive(LiveConfig{}, LiveDeps{Poller: p, Store: st, Clock: clock, Log: discard,
			Calendars: func(context.Context, string) (SessionHours, error) { return cal, nil }})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	// Polled from the open; stopped at 11:00:30, as that round begins.
	stopAt := open.Add(2*time.Hour + 30*time.Second)
	runCtx, cancel := context.WithCancel(ctx)
	_, err = driveLive(runCtx, clock, open, newLive(cancelAtPoll{QuotePoller: src, clock: clock, at: stopAt, cancel: cancel}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: %v, want ErrInterrupted", err)
	}
	// Down until 13:00:10; polled from then to the close.
	restart := open.Add(4*time.Hour + 10*time.Second)
	clock.Advance(restart.Sub(clock.Now()))
	sum, err := driveLive(ctx, clock, open, newLive(src))
	if err != nil {
		t.Fatal(err)
	}
	if sum.FailedPolls != 0 || sum.Absent != 0 || sum.Rejected != 0 || sum.Late != 0 || sum.FailedWrites != 0 {
		t.Errorf("second run: %+v", sum)
	}

	// What polling stored: the close and volume of each minute a round
	// showed (a round shows the minutes that have ended): those of the
	// first run, the last minute traded before the restart, without its
	// volume, and every one after.
	for _, k := range keys {
		truth := m.MinuteTruth(k, market.Interval1m, day)
		if len(truth) == 0 {
			t.Fatalf("%s: no truth", k)
		}
		var want []market.MinuteBar
		for i, b := range truth {
			end := b.Start.Add(time.Minute)
			w := market.MinuteBar{Start: b.Start, Close: b.Close, Volume: b.Volume}
			switch {
			case !end.After(stopAt.Add(-time.Minute)): // shown by the first run
			case !end.Before(closeAt):
				// The session's last minute ends at the close: the
				// simulated feed shows the after-hours bar from then on,
				// stamped after the close. Only the archive has it.
				continue
			case end.After(restart): // shown by the second
			case i+1 < len(truth) && !truth[i+1].Start.Add(time.Minute).After(restart):
				continue // ended while down, and not the last before the restart
			default: // the last minute traded before the restart: the second run's first
				w.Volume.V, w.Volume.Valid = 0, false
				if n := len(want); n > 0 && want[n-1].Start.Equal(w.Start) {
					want = want[:n-1] // polled by the first run, written again
				}
			}
			want = append(want, w)
		}
		got, err := st.MinuteBars(ctx, k, market.Interval1m, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		checkBars(t, k.String()+" polled", got, want)
	}

	// After the close, the archive: the whole session, exactly.
	clock.Advance(time.Date(2026, 10, 6, 17, 0, 0, 0, seoul).Sub(clock.Now()))
	c, err := New(Config{Host: "test"}, Deps{
		Sources:       map[string]Source{market.SourceNaver: src},
		MinuteSources: map[string]MinuteSource{market.SourceNaver: src},
		Store:         st,
		Calendars:     func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
		Log:           discard,
		Now:           clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Source: market.SourceNaver, Market: market.XKRX}, Restate: 2})
	if err != nil || s.Failed != 0 {
		t.Fatalf("archive: %s, %v", s, err)
	}
	for _, k := range keys {
		got, err := st.MinuteBars(ctx, k, market.Interval1m, open, open.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		checkBars(t, k.String()+" archived", got, m.MinuteTruth(k, market.Interval1m, day))
	}
}
