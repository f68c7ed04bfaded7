package naver

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// MinuteArchiveReach is how far back marketd assumes the chart feed's
// minute archive reaches. Naver documents nothing, and no recorded answer
// shows its depth; third-party clients ask for a few days at most. Seven
// days is the assumption (the simulated market holds as much): minutes
// older than that are asked of Naver only to fail.
const MinuteArchiveReach = 7 * 24 * time.Hour

// minuteLeadIn is how many minutes more than the window holds are asked
// for: the archive's volumes are cumulative, so the window's first minute
// needs the minute before it to have a volume.
const minuteLeadIn = 10

// MinuteReach returns how far back Naver serves bars of iv: the minute
// archive (MinuteArchiveReach) for 1m, nothing (0) for the other intraday
// intervals, which the chart feed does not serve. It needs no client, so
// a command can refuse an interval before anything is stored.
func MinuteReach(iv market.Interval) time.Duration {
	if iv == market.Interval1m {
		return MinuteArchiveReach
	}
	return 0
}

// MinuteReach is the package's MinuteReach, for the collector.
func (s *Source) MinuteReach(iv market.Interval) time.Duration { return MinuteReach(iv) }

// Minutes returns inst's 1m bars starting in [req.From, req.To), ascending,
// from the chart feed's minute archive (timeframe=minute&count=N) in one
// request: the archive answers with the N most recent minutes that
// traded, so N counts the session minutes from the window's start to now
// (KRX's calendar: late openings, closures), plus a few for the first
// minute's volume. The regular session only unless req.PrePost (then the
// archive's other items, such as the 15:30 closing print, come too); a
// minute still in progress is left out; a minute without a trade is
// absent. A window that ends before the archive's reach wraps
// market.ErrBeyondReach; one starting before it is cut to it, and the
// archive's oldest minute then has no volume (nothing before it to
// subtract its cumulative volume from).
func (s *Source) Minutes(ctx context.Context, inst market.Instrument, req market.MinuteRequest) ([]market.MinuteBar, error) {
	code, err := checkInstrument(inst)
	if err != nil {
		return nil, err
	}
	if req.Interval != market.Interval1m {
		return nil, fmt.Errorf("naver %s: interval %s: the chart feed's minute archive serves 1m only", code, req.Interval)
	}
	if !req.From.Before(req.To) {
		return nil, fmt.Errorf("naver %s: invalid 1m window %s..%s", code, stamp(req.From), stamp(req.To))
	}
	if s.marketErr != nil {
		return nil, fmt.Errorf("naver: %w", s.marketErr)
	}
	cal := s.cal
	if s.calErr != nil {
		return nil, fmt.Errorf("naver %s: %w", code, s.calErr)
	}
	now := s.cfg.Now()
	oldest := now.Add(-MinuteArchiveReach)
	if !req.To.After(oldest) {
		return nil, fmt.Errorf("naver %s: 1m bars %s..%s: %w: the minute archive holds about the last %d days",
			code, stamp(req.From), stamp(req.To), market.ErrBeyondReach, MinuteArchiveReach/(24*time.Hour))
	}
	from := req.From
	if from.Before(oldest) {
		from = oldest
	}
	n := sessionMinutes(cal, s.market.Location, from, now)
	if n == 0 {
		return nil, nil // nothing has traded since from
	}
	q := url.Values{
		"symbol":      {code},
		"timeframe":   {"minute"},
		"count":       {strconv.Itoa(n + minuteLeadIn)},
		"requestType": {"0"},
	}
	body, err := s.newFetcher(ctx).get(endpointFChart, code, s.cfg.FChartURL+"/sise.nhn?"+q.Encode(), charsetEUCKR)
	if err != nil {
		return nil, err
	}
	bars, err := parseFChartMinutes(code, body, s.market.Location, now)
	if err != nil {
		return nil, err
	}
	out := bars[:0]
	for _, b := range bars {
		if b.Start.Before(from) || !b.Start.Before(req.To) {
			continue
		}
		if !req.PrePost && !inSession(cal, s.market.Location, b.Start) {
			continue
		}
		out = append(out, b)
	}
	return out, nil
}

// sessionMinutes counts the regular-session minutes that start in
// [from, now).
func sessionMinutes(cal *calendar.Calendar, loc *time.Location, from, now time.Time) int {
	n := 0
	for _, d := range cal.Sessions(market.DateOf(from.In(loc)), market.DateOf(now.In(loc))) {
		open, cls, ok := cal.Hours(d)
		if !ok {
			continue
		}
		lo, hi := later(open, from), earlier(cls, now)
		if hi.After(lo) {
			n += int((hi.Sub(lo) + time.Minute - 1) / time.Minute)
		}
	}
	return n
}

// inSession reports whether the minute starting at t lies in its day's
// regular session.
func inSession(cal *calendar.Calendar, loc *time.Location, t time.Time) bool {
	open, cls, ok := cal.Hours(market.DateOf(t.In(loc)))
	return ok && !t.Before(open) && t.Before(cls)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
