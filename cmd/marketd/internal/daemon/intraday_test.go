package daemon_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// quoteFeed answers every instrument's last trade, in the last second of
// the minute before the clock's: price 1000 + that minute of the day,
// cumulative volume 10 per minute of the day.
type quoteFeed struct {
	clock clockwork.Clock
	mu    sync.Mutex
	polls int
}

func (f *quoteFeed) Quotes(_ context.Context, insts []market.Instrument) (map[market.Key]market.Quote, error) {
	f.mu.Lock()
	f.polls++
	f.mu.Unlock()
	now := f.clock.Now().Truncate(time.Minute).Add(-time.Second)
	m := int64(now.Hour()*60 + now.Minute())
	out := map[market.Key]market.Quote{}
	for _, inst := range insts {
		out[inst.Key] = market.Quote{At: now, Price: market.DecimalFromInt(1000 + m), Volume: 10 * m}
	}
	return out, nil
}

// The live-naver job polls the session from the minute the daemon runs it
// when the session has begun, writes the minutes into the run's counts,
// and leaves the session to another run that is already polling.
func TestLiveJob(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	code := market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Board: market.BoardKOSPI, Active: true}
	if _, err := st.AddInstruments(ctx, []market.Instrument{code}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetIntraday(ctx, []market.Key{code.Key}, market.Interval1m); err != nil {
		t.Fatal(err)
	}
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(time.Date(2026, 10, 6, 15, 27, 10, 0, seoul))
	feed := &quoteFeed{clock: clock}
	gen := generations(st, nil)
	build := func(ctx context.Context, cfg config.Config) (*daemon.Generation, error) {
		g, err := gen(ctx, cfg)
		if err == nil {
			g.Quotes = map[string]collector.QuotePoller{market.SourceNaver: feed}
		}
		return g, err
	}
	d, err := daemon.New(ctx, loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI")), daemon.Deps{
		Store: st, Build: build, Log: slog.New(slog.DiscardHandler), Host: "test-host", Clock: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	spec := schedule.DefaultJobs()[3]
	if spec.Name != schedule.JobLiveNaver {
		t.Fatalf("default job 3 is %q, want %q", spec.Name, schedule.JobLiveNaver)
	}

	run := &store.Run{Job: spec.Name, Status: store.RunRunning}
	if err := st.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.RunJob(ctx, spec, run) }()
	// Polled at once (15:27:10), then at 15:28:30, 15:29:30 and 15:30:30.
	for _, at := range []string{"15:28:30", "15:29:30", "15:30:30"} {
		if err := clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		next, _ := time.ParseInLocation("2006-01-02 15:04:05", "2026-10-06 "+at, seoul)
		clock.Advance(next.Sub(clock.Now()))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	bars, err := st.MinuteBars(ctx, code.Key, market.Interval1m, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	const want = "session 2026-10-06: 1 instruments, 4 polls, 4 bars written (4 new, 0 changed)"
	if run.Status != store.RunRunning || run.Message != want || run.Inserted != 4 || run.OK != 1 || len(bars) != 4 {
		t.Errorf("run %+v with %d bars: want status left to the scheduler, %q, 4 inserted", run, len(bars), want)
	}
	if len(bars) == 4 && (bars[0].Volume.Valid || bars[3].Volume != (sql.Null[int64]{V: 10, Valid: true}) ||
		bars[3].Close != market.DecimalFromInt(1000+15*60+29) || !bars[3].Start.Equal(time.Date(2026, 10, 6, 6, 29, 0, 0, time.UTC))) {
		t.Errorf("bars %+v: want 15:26..15:29 KST, the last one close 1929 volume 10, the first without volume", bars)
	}

	run.Status = store.RunOK
	if err := st.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}

	// Another host's run polls: this one leaves the session to it.
	other := &store.Run{Job: spec.Name, Host: "other-host", PID: 4242, Status: store.RunRunning}
	if err := st.StartRun(ctx, other); err != nil {
		t.Fatal(err)
	}
	second := &store.Run{Job: spec.Name, Host: "test-host", PID: os.Getpid(), Status: store.RunRunning}
	if err := st.StartRun(ctx, second); err != nil {
		t.Fatal(err)
	}
	polls := feed.polls
	if err := d.RunJob(ctx, spec, second); err != nil {
		t.Fatal(err)
	}
	if w := fmt.Sprintf("run %d on other-host (pid 4242) is polling this session", other.ID); second.Message != w || feed.polls != polls {
		t.Errorf("second run: %q after %d more polls; want %q and none", second.Message, feed.polls-polls, w)
	}
}

// The intraday-retention job drops the minute bars of the months older
// than intraday.retention and says what it dropped; run again, nothing.
func TestRetentionJob(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	key := market.Key{Source: market.SourceNaver, Symbol: "005930"}
	now := time.Now().UTC()
	old := time.Date(now.Year()-2, now.Month(), 1, 1, 0, 0, 0, time.UTC)
	recent := now.Truncate(time.Minute).Add(-24 * time.Hour)
	var bars []market.MinuteBar
	for _, start := range []time.Time{old, old.Add(time.Minute), old.Add(2 * time.Minute), recent} {
		bars = append(bars, market.MinuteBar{Start: start, Close: market.DecimalFromInt(100)})
	}
	if _, err := st.WriteMinutes(ctx, []store.MinuteWrite{{Key: key, Interval: market.Interval1m, Bars: bars}}); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(ctx, loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI")), daemon.Deps{
		Store: st, Build: generations(st, nil), Log: slog.New(slog.DiscardHandler), Host: "test-host",
	})
	if err != nil {
		t.Fatal(err)
	}
	spec := schedule.DefaultJobs()[6]
	for _, want := range []string{
		"deleted 3 minute bars older than intraday.retention (400d)",
		"no minute bars older than intraday.retention (400d)",
	} {
		run := &store.Run{Job: spec.Name}
		if err := d.RunJob(ctx, spec, run); err != nil {
			t.Fatal(err)
		}
		if run.Message != want {
			t.Errorf("run message %q, want %q", run.Message, want)
		}
	}
	left, err := st.MinuteBars(ctx, key, market.Interval1m, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || !left[0].Start.Equal(recent) {
		t.Errorf("left %+v, want the bar of %s alone", left, recent)
	}
}
