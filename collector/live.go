package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// JobLive is the run log's name of live polling outside the schedule.
const JobLive = "live"

// QuotePoller answers the latest trade of many instruments at once
// (Naver's polling feed). It batches its requests itself; an instrument it
// could not answer is absent from the map, and an error names the failed
// requests while the map holds the others.
type QuotePoller interface {
	Quotes(ctx context.Context, insts []market.Instrument) (map[market.Key]market.Quote, error)
}

// LiveStore is the part of the store live polling uses.
type LiveStore interface {
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	WriteMinutes(ctx context.Context, batch []store.MinuteWrite) (store.WriteResult, error)
}

// LiveConfig tunes live polling.
type LiveConfig struct {
	// Offset is when in each minute a poll starts (default 30s): late
	// enough that the price seen is near the minute's close, early enough
	// that a market's requests, paced by the source's rate, end within
	// the minute.
	Offset time.Duration
	// Refresh is how often the instruments are read again, so that one
	// enabled during the session is polled from then on (default 10m).
	Refresh time.Duration
	// Batch is how many instruments one request of the poller answers
	// (sources.naver.polling_batch) and Rate the source's request budget:
	// together they say whether a minute's round fits in a minute, which
	// is checked once at the start. 0: unknown, not checked.
	Batch int
	Rate  rate.Limit
}

func (c LiveConfig) withDefaults() LiveConfig {
	if c.Offset <= 0 || c.Offset >= time.Minute {
		c.Offset = 30 * time.Second
	}
	if c.Refresh <= 0 {
		c.Refresh = 10 * time.Minute
	}
	return c
}

// LiveDeps are live polling's collaborators.
type LiveDeps struct {
	Poller QuotePoller
	Store  LiveStore
	// Calendars returns a market's calendar with its overrides.
	Calendars func(ctx context.Context, mic string) (SessionHours, error)
	Clock     clockwork.Clock // the real clock when nil
	Log       *slog.Logger    // slog.Default() when nil
}

// Live polls one source's quotes through a market's sessions and stores
// them as intraday bars as the session goes.
type Live struct {
	cfg  LiveConfig
	deps LiveDeps
}

// NewLive returns a Live.
func NewLive(cfg LiveConfig, deps LiveDeps) (*Live, error) {
	switch {
	case deps.Poller == nil:
		return nil, errors.New("collector: live polling: no quote poller")
	case deps.Store == nil:
		return nil, errors.New("collector: live polling: no store")
	case deps.Calendars == nil:
		return nil, errors.New("collector: live polling: no calendar lookup")
	}
	if deps.Clock == nil {
		deps.Clock = clockwork.NewRealClock()
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return &Live{cfg: cfg.withDefaults(), deps: deps}, nil
}

// LiveRequest selects what a live session polls: the active
// intraday-enabled instruments of Source on Market.
type LiveRequest struct {
	Source string // naver
	Market string // the MIC whose session is polled: XKRX
}

// LiveSummary is one live session's outcome.
type LiveSummary struct {
	Session market.Date // the exchange's date polled
	// Closed: the market has no session that day; Over: it had ended
	// when polling was asked for. Nothing was polled in either case.
	Closed, Over bool
	Instruments  int // instruments polled (at the last refresh)
	Polls        int // rounds polled, one a minute
	// FailedPolls counts rounds whose poller reported an error (some or
	// all of its requests failed); Absent the instruments a round's
	// answer lacked, summed over the rounds; Rejected the quotes that
	// were malformed or older than the bar already held. Quotes of other
	// sessions' trades (before the first trade, after the close) are
	// neither.
	FailedPolls, Absent, Rejected int
	// Late counts the minutes not polled because the round before ran
	// into them.
	Late int
	// FailedWrites counts the rounds whose write failed: their bars are
	// retried with the next round's.
	FailedWrites int
	store.WriteResult
}

// String is the run log's message.
func (s LiveSummary) String() string {
	switch {
	case s.Closed:
		return fmt.Sprintf("no session on %s", s.Session)
	case s.Over:
		return fmt.Sprintf("the session of %s was over", s.Session)
	case s.Instruments == 0:
		return "no active intraday instruments"
	}
	msg := fmt.Sprintf("session %s: %d instruments, %d polls, %d bars written (%d new, %d changed)",
		s.Session, s.Instruments, s.Polls, s.Inserted+s.Changed, s.Inserted, s.Changed)
	if s.FailedPolls > 0 {
		msg += fmt.Sprintf("; %d polls failed in part or whole", s.FailedPolls)
	}
	if s.Absent > 0 || s.Rejected > 0 {
		msg += fmt.Sprintf("; %d quotes missing, %d rejected", s.Absent, s.Rejected)
	}
	if s.Late > 0 {
		msg += fmt.Sprintf("; %d minutes not polled (the poll before ran late)", s.Late)
	}
	if s.FailedWrites > 0 {
		msg += fmt.Sprintf("; %d writes failed", s.FailedWrites)
	}
	return msg
}

// Session polls today's session of req.Market (today on the clock, in the
// market's zone) from its open, or from now when it has begun, to its
// close, once a minute, and returns in the minute after the close, when
// the last minute's trades have been seen. A day without a session, or a
// session already over, returns at once.
//
// Each minute's round asks the poller for every instrument and writes the
// bars that moved in one transaction. A failed request or a bad quote
// loses that minute for those instruments only; a failed write is retried
// with the next minute's. Only a failure before the first poll (the
// calendar, the instruments) is returned; a cancelled ctx returns
// ErrInterrupted with what was done.
func (l *Live) Session(ctx context.Context, req LiveRequest) (LiveSummary, error) {
	mkt, err := market.LookupMarket(req.Market)
	if err != nil {
		return LiveSummary{}, fmt.Errorf("collector: live polling: %w", err)
	}
	cal, err := l.deps.Calendars(ctx, mkt.Code)
	if err != nil {
		return LiveSummary{}, fmt.Errorf("collector: live polling: calendar of %s: %w", mkt.Code, err)
	}
	now := l.deps.Clock.Now()
	sum := LiveSummary{Session: market.DateOf(now.In(mkt.Location))}
	open, closeAt, ok := cal.Hours(sum.Session)
	switch {
	case !ok:
		sum.Closed = true
		return sum, nil
	case !now.Before(closeAt.Add(time.Minute)):
		sum.Over = true
		return sum, nil
	}
	filter := store.InstrumentFilter{Source: req.Source, Market: mkt.Code, ActiveOnly: true, IntradayOnly: true}
	insts, err := l.deps.Store.Instruments(ctx, filter)
	if err != nil {
		return sum, fmt.Errorf("collector: live polling %s on %s: %w", req.Source, mkt.Code, err)
	}
	if len(insts) == 0 {
		return sum, nil
	}
	l.checkPace(req, len(insts))
	lb := newLiveBars(open, closeAt)
	lb.track(insts)
	sum.Instruments = len(lb.order)
	log := l.deps.Log.With("job", JobLive, "source", req.Source, "market", mkt.Code, "session", sum.Session.String())
	log.Info("live polling", "instruments", sum.Instruments, "open", open, "close", closeAt)

	// Rounds start at open + k minutes + Offset, the first one now when
	// the session has begun, and the last one in the minute after the
	// close: a feed shows a minute's last trade once it has passed.
	k, round := 0, open.Add(l.cfg.Offset)
	if now.After(open) {
		k = int(now.Sub(open) / time.Minute)
		round = now
	}
	refreshed := now
	for round.Before(closeAt.Add(time.Minute)) {
		if err := l.sleepUntil(ctx, round); err != nil {
			return sum, fmt.Errorf("collector: live polling %s on %s: %w: %w", req.Source, mkt.Code, ErrInterrupted, err)
		}
		if l.deps.Clock.Since(refreshed) >= l.cfg.Refresh {
			refreshed = l.deps.Clock.Now()
			if fresh, err := l.deps.Store.Instruments(ctx, filter); err != nil {
				log.Warn("cannot read the instruments again; polling the same ones", "err", err)
			} else {
				lb.track(fresh)
				insts, sum.Instruments = fresh, len(lb.order)
			}
		}
		l.round(ctx, log, lb, insts, &sum)
		// The next round on the grid not yet past: a round that ran
		// long skips the minutes it overran.
		next := k + 1
		if cur := int(l.deps.Clock.Now().Sub(open) / time.Minute); cur > next {
			sum.Late += cur - next
			next = cur
		}
		k, round = next, open.Add(time.Duration(next)*time.Minute+l.cfg.Offset)
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("collector: live polling %s on %s: %w: %w", req.Source, mkt.Code, ErrInterrupted, err)
	}
	log.Info("live polling done", "summary", sum.String())
	return sum, nil
}

// round polls once and writes what moved.
func (l *Live) round(ctx context.Context, log *slog.Logger, lb *liveBars, insts []market.Instrument, sum *LiveSummary) {
	sum.Polls++
	lb.next()
	quotes, err := l.deps.Poller.Quotes(ctx, insts)
	if err != nil {
		sum.FailedPolls++
		log.Warn("poll failed in part", "answered", len(quotes), "of", len(lb.order), "err", err)
	}
	for _, s := range lb.order {
		q, ok := quotes[s.inst.Key]
		if !ok {
			sum.Absent++
			continue
		}
		switch lb.apply(s, q) {
		case quoteStale, quoteInvalid:
			sum.Rejected++
		case quoteOutside:
			// Yesterday's last trade before the first of today's, the
			// after-hours trades after the close: not this session's.
		}
	}
	writes := lb.pending()
	if len(writes) == 0 {
		return
	}
	res, err := l.deps.Store.WriteMinutes(ctx, writes)
	if err != nil {
		sum.FailedWrites++
		log.Warn("cannot store the minute's bars; retrying them with the next minute's", "instruments", len(writes), "err", err)
		return
	}
	lb.written()
	sum.Inserted += res.Inserted
	sum.Changed += res.Changed
	sum.Unchanged += res.Unchanged
}

// sleepUntil waits on the clock until t, or returns ctx's error.
func (l *Live) sleepUntil(ctx context.Context, t time.Time) error {
	d := t.Sub(l.deps.Clock.Now())
	if d <= 0 {
		return ctx.Err()
	}
	timer := l.deps.Clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.Chan():
		return nil
	}
}

// checkPace warns when a round of n instruments needs more requests than
// the source's rate allows in a minute: the rounds would run late and
// skip minutes.
func (l *Live) checkPace(req LiveRequest, n int) {
	if l.cfg.Batch < 1 || l.cfg.Rate <= 0 || l.cfg.Rate == rate.Inf {
		return
	}
	requests := (n + l.cfg.Batch - 1) / l.cfg.Batch
	// The part of a minute left after the offset is what a round has.
	budget := float64(l.cfg.Rate) * (time.Minute - l.cfg.Offset).Seconds()
	if float64(requests) > math.Floor(budget) {
		l.deps.Log.Warn("live polling cannot ask for every instrument each minute at the source's rate: rounds will run late and skip minutes",
			"source", req.Source, "instruments", n, "requests_per_round", requests, "rate_per_second", float64(l.cfg.Rate), "offset", l.cfg.Offset)
	}
}
