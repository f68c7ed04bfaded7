package schedule

import (
	"time"

	"github.com/robfig/cron/v3"
)

// maxLookback bounds the search for a previous scheduled time; an expression
// that fires less often than this (Feb 29 at best) has no previous time.
const maxLookback = 5 * 366 * 24 * time.Hour

// prev returns the latest time at or before t that s fires at, in loc, and
// false when there is none within maxLookback. cron.Schedule only knows
// Next, so prev looks back over a doubling window until Next from the
// window's start lands at or before t, then steps forward to the last such
// time: a few dozen Next calls for any expression.
func prev(s cron.Schedule, t time.Time, loc *time.Location) (time.Time, bool) {
	t = t.In(loc)
	for w := time.Minute; w <= 2*maxLookback; w *= 2 {
		x := s.Next(t.Add(-w))
		if x.IsZero() || x.After(t) {
			continue
		}
		for {
			y := s.Next(x)
			if y.IsZero() || y.After(t) {
				return x, true
			}
			x = y
		}
	}
	return time.Time{}, false
}
