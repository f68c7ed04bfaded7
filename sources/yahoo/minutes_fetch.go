package yahoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/piquette/finance-go/form"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

const day = 24 * time.Hour

// intradayLimits are the chart API's, as its HTTP 422 answers state them
// ("1m data not available for startTime=… and endTime=…. Only 7 days
// worth of 1m granularity data are allowed to be fetched per request.",
// "… The requested range must be within the last 30 days."; 60 days for
// 2m to 90m, 730 for 60m/1h): how far back an interval is served, and how
// much one request may span. A window straddling the reach gets the 422
// too, never partial data, so requests are clamped to it.
var intradayLimits = map[market.Interval]struct{ reach, perRequest time.Duration }{
	market.Interval1m:  {30 * day, 7 * day},
	market.Interval5m:  {60 * day, 60 * day},
	market.Interval60m: {730 * day, 730 * day},
}

// MinuteReach returns how far back Yahoo serves bars of iv: 30 days for
// 1m, 60 for 5m, 730 for 60m; 0 for an interval it does not serve here.
// It needs no client, so a command can refuse an interval before anything
// is stored.
func MinuteReach(iv market.Interval) time.Duration { return intradayLimits[iv].reach }

// MinuteReach is the package's MinuteReach, for the collector.
func (s *Source) MinuteReach(iv market.Interval) time.Duration { return MinuteReach(iv) }

// reachMargin keeps the oldest request inside Yahoo's reach although
// Yahoo measures it with its own clock, a moment after ours.
const reachMargin = time.Minute

// Minutes returns inst's bars of req.Interval starting in [req.From,
// req.To), ascending: the regular session, and the pre- and post-market
// too with req.PrePost. The window is clamped to MinuteReach and to now,
// and split into as many requests as Yahoo's per-request limit needs
// (seven days of 1m), each through the client's rate limiter. A bar still
// in progress is left out.
//
// Errors: a window that ends before the reach wraps market.ErrBeyondReach and
// names the symbol, the interval and the reach; so does Yahoo's own 422
// answer, with its description. Unknown symbols wrap market.ErrNotFound.
// A part of the window before the listing has no bars (not an error).
func (s *Source) Minutes(ctx context.Context, inst market.Instrument, req market.MinuteRequest) ([]market.MinuteBar, error) {
	symbol, err := checkInstrument(inst)
	if err != nil {
		return nil, err
	}
	lim, ok := intradayLimits[req.Interval]
	if !ok {
		return nil, fmt.Errorf("yahoo %s: interval %s is not intraday: want 1m, 5m or 60m", symbol, req.Interval)
	}
	if !req.From.Before(req.To) {
		return nil, fmt.Errorf("yahoo %s: invalid %s window %s..%s", symbol, req.Interval, stamp(req.From), stamp(req.To))
	}
	now := s.now()
	oldest := now.Add(-lim.reach + reachMargin).Truncate(time.Minute)
	from, to := req.From, req.To
	if now.Before(to) {
		to = now
	}
	if !req.To.After(oldest) {
		return nil, fmt.Errorf("yahoo %s: %s bars %s..%s: %w: Yahoo serves %s bars of the last %d days only",
			symbol, req.Interval, stamp(req.From), stamp(req.To), market.ErrBeyondReach, req.Interval, lim.reach/day)
	}
	if from.Before(oldest) {
		from = oldest
	}
	w := minuteWindow{window: window{symbol: symbol, now: now, typ: inst.Type, market: marketOf(inst)}, interval: req.Interval, prePost: req.PrePost}
	var out []market.MinuteBar
	for a := from; a.Before(to); {
		b := a.Add(lim.perRequest)
		if to.Before(b) {
			b = to
		}
		var env envelope
		if err := s.backend.Call(chartPath(symbol), minuteQuery(a, b, req), &ctx, &env); err != nil {
			err = minuteCallError(symbol, req.Interval, a, b, err)
			if errors.Is(err, market.ErrNoData) {
				a = b
				continue // before the listing
			}
			return nil, err
		}
		bars, err := env.minutes(w)
		if err != nil {
			return nil, err
		}
		for _, bar := range bars {
			if !bar.Start.Before(a) && bar.Start.Before(b) {
				out = append(out, bar)
			}
		}
		a = b
	}
	return out, nil
}

// minuteQuery asks for the bars starting in [from, to): period1 and
// period2 in epoch seconds, and no events (intraday answers carry none
// that minute bars need).
func minuteQuery(from, to time.Time, req market.MinuteRequest) *form.Values {
	var v form.Values
	v.Add("period1", strconv.FormatInt(from.Unix(), 10))
	v.Add("period2", strconv.FormatInt(to.Unix(), 10))
	v.Add("interval", req.Interval.String())
	v.Add("includePrePost", strconv.FormatBool(req.PrePost))
	return &v
}

// minuteCallError maps a failed intraday request: Yahoo's 422 about the
// range becomes market.ErrBeyondReach naming the symbol, the interval and the
// window asked for; the rest as for daily requests.
func minuteCallError(symbol string, iv market.Interval, from, to time.Time, err error) error {
	var serr *httpx.StatusError
	if errors.As(err, &serr) && serr.Code == http.StatusUnprocessableEntity {
		var env envelope
		desc := string(serr.Body)
		if json.Unmarshal(serr.Body, &env) == nil && env.Chart.Error != nil {
			desc = env.Chart.Error.Description
		}
		return fmt.Errorf("yahoo %s: %s bars %s..%s: %w: %s", symbol, iv, stamp(from), stamp(to), market.ErrBeyondReach, desc)
	}
	return callError(symbol, err)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
