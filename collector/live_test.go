package collector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

var seoul = mustLoc("Asia/Seoul")

// tape is a fake quote feed: every code trades every minute of the
// session, at prices and volumes derived from the code and the minute. As
// Naver's feed (and the simulated market's), a poll shows the trades of the
// minutes that have ended: the last one's close, stamped at its last
// second, and the cumulative volume through it; before any has, the
// previous close stamped at the open.
type tape struct {
	clock clockwork.Clock
	open  time.Time
	mu    sync.Mutex
	// fail makes the polls at these minutes (since the open) fail for
	// these codes: absent from the answer, with an error.
	fail map[int]map[string]bool
	// bad makes the quote of a code at a minute malformed (price 0).
	bad   map[int]map[string]bool
	polls []time.Time
	// minutes is the session's length in minutes.
	minutes int
	// onPoll runs at the start of each poll, with the minute shown.
	onPoll func(m int)
}

func (tp *tape) price(code string, m int) market.Decimal {
	return market.DecimalFromInt(int64(10_000 + 100*int(code[5]-'0') + ((m+1)*37)%211))
}

func (tp *tape) volume(code string, m int) int64 { return int64(1 + (m*13+int(code[5]))%50) }

func (tp *tape) cumulative(code string, m int) int64 {
	var v int64 = 5_000 // traded before the open: not any minute's
	for i := 0; i <= m; i++ {
		v += tp.volume(code, i)
	}
	return v
}

func (tp *tape) Quotes(ctx context.Context, insts []market.Instrument) (map[market.Key]market.Quote, error) {
	now := tp.clock.Now()
	// The minute shown: the last one ended, at most the session's last.
	m := min(int(now.Sub(tp.open)/time.Minute)-1, tp.minutes-1)
	if tp.onPoll != nil {
		tp.onPoll(m)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.polls = append(tp.polls, now)
	out := map[market.Key]market.Quote{}
	var err error
	for _, inst := range insts {
		if tp.fail[m][inst.Symbol] {
			err = fmt.Errorf("naver polling: batch %s: HTTP 503", inst.Symbol)
			continue
		}
		q := market.Quote{At: tp.open, Price: tp.price(inst.Symbol, -1), Volume: tp.cumulative(inst.Symbol, -1)}
		if m >= 0 {
			q = market.Quote{At: tp.open.Add(time.Duration(m)*time.Minute + 59*time.Second), Price: tp.price(inst.Symbol, m), Volume: tp.cumulative(inst.Symbol, m)}
		}
		if tp.bad[m][inst.Symbol] {
			q.Price = 0
		}
		out[inst.Key] = q
	}
	return out, err
}

// flakyStore fails the writes of the rounds it is told to.
type flakyStore struct {
	*store.Store
	mu     sync.Mutex
	writes int
	failAt map[int]bool // by the write's number, from 0
}

func (f *flakyStore) WriteMinutes(ctx context.Context, batch []store.MinuteWrite) (store.WriteResult, error) {
	f.mu.Lock()
	n := f.writes
	f.writes++
	f.mu.Unlock()
	if f.failAt[n] {
		return store.WriteResult{}, errors.New("database is down")
	}
	return f.Store.WriteMinutes(ctx, batch)
}

type liveHarness struct {
	t     *testing.T
	st    *store.Store
	clock *clockwork.FakeClock
	tape  *tape
	live  *Live
	open  time.Time
	close time.Time
}

func naverCodes(codes ...string) []market.Instrument {
	out := make([]market.Instrument, len(codes))
	for i, c := range codes {
		out[i] = market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: c}, Market: market.XKRX,
			Board: market.BoardKOSPI, Active: true, Intraday: market.Interval1m}
	}
	return out
}

// newLiveHarness stores insts and sets a Live on a fake clock at start,
// polling day's session.
func newLiveHarness(t *testing.T, day string, start time.Time, ls LiveStore, insts []market.Instrument) *liveHarness {
	t.Helper()
	st := newStore(t)
	if ls == nil {
		ls = st
	}
	if fs, ok := ls.(*flakyStore); ok {
		fs.Store = st
	}
	ctx := context.Background()
	if len(insts) > 0 {
		if _, err := st.AddInstruments(ctx, insts); err != nil {
			t.Fatal(err)
		}
		for _, inst := range insts {
			if _, err := st.SetIntraday(ctx, []market.Key{inst.Key}, inst.Intraday); err != nil {
				t.Fatal(err)
			}
		}
	}
	cal, err := calendar.For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	open, cls, ok := cal.Hours(d(day))
	if !ok {
		open, cls = d(day).In(seoul).Add(9*time.Hour), d(day).In(seoul).Add(15*time.Hour+30*time.Minute)
	}
	clock := clockwork.NewFakeClockAt(start)
	tp := &tape{clock: clock, open: open, minutes: int(cls.Sub(open) / time.Minute)}
	live, err := NewLive(LiveConfig{}, LiveDeps{
		Poller: tp, Store: ls, Clock: clock,
		Calendars: func(context.Context, string) (SessionHours, error) { return cal, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &liveHarness{t: t, st: st, clock: clock, tape: tp, live: live, open: open, close: cls}
}

// run runs a session, advancing the fake clock to each round as the
// poller waits for it, and returns its summary.
func (h *liveHarness) run(ctx context.Context) (LiveSummary, error) {
	h.t.Helper()
	return driveLive(ctx, h.clock, h.open, h.live)
}

// driveLive runs live's session of KRX, advancing clock to each round
// (open + k minutes + 30s) whenever the poller waits for one.
func driveLive(ctx context.Context, clock *clockwork.FakeClock, open time.Time, live *Live) (LiveSummary, error) {
	type result struct {
		sum LiveSummary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := live.Session(ctx, LiveRequest{Source: market.SourceNaver, Market: market.XKRX})
		done <- result{sum, err}
	}()
	for {
		waiting := make(chan error, 1)
		wctx, cancel := context.WithCancel(ctx)
		go func() { waiting <- clock.BlockUntilContext(wctx, 1) }()
		select {
		case r := <-done:
			cancel()
			return r.sum, r.err
		case err := <-waiting:
			cancel()
			if err != nil {
				r := <-done
				return r.sum, r.err
			}
			now := clock.Now()
			next := open.Add(30 * time.Second)
			for !next.After(now) {
				next = next.Add(time.Minute)
			}
			clock.Advance(next.Sub(now))
		}
	}
}

func (h *liveHarness) bars(code string) []market.MinuteBar {
	h.t.Helper()
	got, err := h.st.MinuteBars(context.Background(), market.Key{Source: market.SourceNaver, Symbol: code}, market.Interval1m, time.Time{}, time.Time{})
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

// want is the bar polling should store for code at minute m of the
// session: the tape's price, and its volume unless the minute before was
// not seen.
func (h *liveHarness) want(code string, m int, withVolume bool) market.MinuteBar {
	b := market.MinuteBar{Start: h.open.Add(time.Duration(m) * time.Minute).UTC(), Close: h.tape.price(code, m)}
	if withVolume {
		b.Volume.V, b.Volume.Valid = h.tape.volume(code, m), true
	}
	return b
}

func checkBars(t *testing.T, code string, got, want []market.MinuteBar) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d bars, want %d", code, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: bar %d = %+v, want %+v", code, i, got[i], want[i])
		}
	}
}

func TestLiveSessionWritesEveryMinute(t *testing.T) {
	insts := naverCodes("005930", "000661", "0193T2")
	start := time.Date(2026, 10, 6, 8, 55, 0, 0, seoul)
	fs := &flakyStore{failAt: map[int]bool{100: true, 101: true}}
	h := newLiveHarness(t, "2026-10-06", start, fs, insts)
	h.tape.fail = map[int]map[string]bool{5: {"000661": true}}
	h.tape.bad = map[int]map[string]bool{10: {"0193T2": true}}

	sum, err := h.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 391 polls: the last one after the close, for the last minute.
	if sum.Polls != 391 || sum.FailedPolls != 1 || sum.Absent != 1 || sum.Rejected != 1 || sum.Late != 0 || sum.FailedWrites != 2 {
		t.Errorf("summary %+v: want 391 polls, 1 failed, 1 absent, 1 rejected, none late, 2 failed writes", sum)
	}
	// Changed: the first minute, written with the previous close the
	// feed showed before any trade, then with its own.
	if sum.Inserted != 3*390-2 || sum.Changed != 3 {
		t.Errorf("inserted %d, changed %d: want %d, 3", sum.Inserted, sum.Changed, 3*390-2)
	}
	if got := h.tape.polls[0]; !got.Equal(h.open.Add(30 * time.Second)) {
		t.Errorf("first poll at %s, want 30s after the open", got)
	}
	for _, code := range []string{"005930", "000661", "0193T2"} {
		var want []market.MinuteBar
		for m := range 390 {
			switch {
			case code == "000661" && m == 5, code == "0193T2" && m == 10:
				continue // the poll failed, the quote was bad: this minute is lost for this code only
			}
			// The first minute has no volume (what was traded before the
			// open is in the cumulative volume), nor a minute after one
			// not seen.
			first := m == 0 || code == "000661" && m == 6 || code == "0193T2" && m == 11
			want = append(want, h.want(code, m, !first))
		}
		checkBars(t, code, h.bars(code), want)
	}
}

func TestLiveSessionStartedMidSession(t *testing.T) {
	start := time.Date(2026, 10, 6, 11, 17, 45, 0, seoul)
	h := newLiveHarness(t, "2026-10-06", start, nil, naverCodes("005930"))
	sum, err := h.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Polled at once (11:17:45, showing 11:16's last trade), then at
	// 11:18:30 … 15:30:30.
	first := int(start.Sub(h.open)/time.Minute) - 1
	if sum.Polls != 390-first || !h.tape.polls[0].Equal(start) {
		t.Errorf("%d polls, the first at %s: want %d, the first at the start", sum.Polls, h.tape.polls[0], 390-first)
	}
	var want []market.MinuteBar
	for m := first; m < 390; m++ {
		want = append(want, h.want("005930", m, m != first))
	}
	checkBars(t, "005930", h.bars("005930"), want)
}

func TestLiveSessionLateOpening(t *testing.T) {
	// 2026-11-19, the college entrance exam: KRX trades 10:00-16:30.
	start := time.Date(2026, 11, 19, 8, 0, 0, 0, seoul)
	h := newLiveHarness(t, "2026-11-19", start, nil, naverCodes("005930"))
	if want := time.Date(2026, 11, 19, 10, 0, 0, 0, seoul); !h.open.Equal(want) {
		t.Fatalf("open %s, want %s", h.open, want)
	}
	sum, err := h.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := h.bars("005930")
	if sum.Polls != 391 || len(got) != 390 {
		t.Fatalf("%d polls, %d bars: want 391 and 390", sum.Polls, len(got))
	}
	if first, last := got[0].Start, got[389].Start; !first.Equal(h.open.UTC()) || !last.Equal(h.close.Add(-time.Minute).UTC()) {
		t.Errorf("bars from %s to %s, want 10:00 to 16:29 KST", first.In(seoul), last.In(seoul))
	}
}

func TestLiveSessionNoSession(t *testing.T) {
	for _, tc := range []struct {
		name, day string
		at        time.Time
		want      LiveSummary
		msg       string
	}{
		{"holiday", "2026-10-09", time.Date(2026, 10, 9, 8, 0, 0, 0, seoul), LiveSummary{Session: d("2026-10-09"), Closed: true}, "no session on 2026-10-09"},
		{"weekend", "2026-10-10", time.Date(2026, 10, 10, 9, 30, 0, 0, seoul), LiveSummary{Session: d("2026-10-10"), Closed: true}, "no session on 2026-10-10"},
		{"after the close", "2026-10-06", time.Date(2026, 10, 6, 15, 31, 0, 0, seoul), LiveSummary{Session: d("2026-10-06"), Over: true}, "the session of 2026-10-06 was over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newLiveHarness(t, tc.day, tc.at, nil, naverCodes("005930"))
			sum, err := h.run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if sum != tc.want || sum.String() != tc.msg || len(h.tape.polls) != 0 {
				t.Errorf("got %+v (%q) after %d polls, want %+v (%q) and none", sum, sum, len(h.tape.polls), tc.want, tc.msg)
			}
		})
	}
}

func TestLiveSessionNoIntradayInstruments(t *testing.T) {
	off := naverCodes("005930")
	off[0].Intraday = 0
	h := newLiveHarness(t, "2026-10-06", time.Date(2026, 10, 6, 8, 0, 0, 0, seoul), nil, off)
	sum, err := h.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Instruments != 0 || len(h.tape.polls) != 0 || sum.String() != "no active intraday instruments" {
		t.Errorf("got %+v (%q) after %d polls: want nothing polled", sum, sum, len(h.tape.polls))
	}
}

func TestLiveSessionFiveMinuteBarsAndRefresh(t *testing.T) {
	five := naverCodes("000665")
	five[0].Intraday = market.Interval5m
	h := newLiveHarness(t, "2026-10-06", time.Date(2026, 10, 6, 8, 59, 0, 0, seoul), nil, five)
	// Enabled during the session, at 09:44:30: polled from the next
	// refresh on, every ten minutes from the start (08:59): the round of
	// 09:49:30, which shows 09:48.
	late := naverCodes("005930")
	h.tape.onPoll = func(m int) {
		if m != 43 {
			return
		}
		ctx := context.Background()
		if _, err := h.st.AddInstruments(ctx, late); err != nil {
			t.Error(err)
		}
		if _, err := h.st.SetIntraday(ctx, []market.Key{late[0].Key}, market.Interval1m); err != nil {
			t.Error(err)
		}
	}
	sum, err := h.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Instruments != 2 {
		t.Errorf("%d instruments at the end, want 2", sum.Instruments)
	}
	// 5m bars: the close of the bucket's last poll, the volume of its
	// five minutes (none for the first bucket).
	var want []market.MinuteBar
	for b := range 78 {
		last := 5*b + 4
		bar := market.MinuteBar{Start: h.open.Add(time.Duration(5*b) * time.Minute).UTC(), Close: h.tape.price("000665", last)}
		if b > 0 {
			bar.Volume.V, bar.Volume.Valid = h.tape.cumulative("000665", last)-h.tape.cumulative("000665", last-5), true
		}
		want = append(want, bar)
	}
	got, err := h.st.MinuteBars(context.Background(), five[0].Key, market.Interval5m, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, "000665", got, want)
	var wantLate []market.MinuteBar
	for m := 48; m < 390; m++ {
		wantLate = append(wantLate, h.want("005930", m, m != 48))
	}
	checkBars(t, "005930", h.bars("005930"), wantLate)
}

func TestLiveSessionInterrupted(t *testing.T) {
	h := newLiveHarness(t, "2026-10-06", time.Date(2026, 10, 6, 8, 59, 0, 0, seoul), nil, naverCodes("005930"))
	ctx, cancel := context.WithCancel(context.Background())
	h.tape.onPoll = func(m int) {
		if m == 30 {
			cancel() // as the poll of 09:31:30 starts
		}
	}
	sum, err := h.run(ctx)
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrInterrupted and context.Canceled", err)
	}
	if sum.Polls != 32 || sum.Absent != 1 || len(h.bars("005930")) != 30 {
		t.Errorf("%d polls, %d absent, %d bars: want 32 polls, the last one cancelled, and the 30 bars before it", sum.Polls, sum.Absent, len(h.bars("005930")))
	}
}

// A round that cannot fit in its minute at the source's rate is said once,
// at the start; one that fits is not.
func TestLivePaceWarning(t *testing.T) {
	for _, tc := range []struct {
		rate rate.Limit
		warn bool
	}{{2, false}, {1, true}} {
		var buf bytes.Buffer
		l, err := NewLive(LiveConfig{Batch: 50, Rate: tc.rate}, LiveDeps{Poller: &tape{}, Store: newStore(t),
			Calendars: func(context.Context, string) (SessionHours, error) { return nil, nil },
			Log:       slog.New(slog.NewTextHandler(&buf, nil))})
		if err != nil {
			t.Fatal(err)
		}
		l.checkPace(LiveRequest{Source: market.SourceNaver}, 2700)
		// 54 requests: 27 s at 2/s, 54 s at 1/s, over the 30 s after the offset.
		const want = `msg="live polling cannot ask for every instrument each minute at the source's rate: rounds will run late and skip minutes" source=naver instruments=2700 requests_per_round=54 rate_per_second=1 offset=30s`
		if got := strings.Contains(buf.String(), want); got != tc.warn {
			t.Errorf("rate %v: logged %q, want the warning: %v", tc.rate, buf.String(), tc.warn)
		}
	}
}
