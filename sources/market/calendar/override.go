package calendar

import (
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// CheckOverride refuses an override of d that would change nothing, count
// a weekend among the weekday closures (closing takes a session, opening
// takes a holiday) or fall outside the holiday table, where the validator
// infers the sessions from the stored bars instead.
func (c *Calendar) CheckOverride(d market.Date, open bool) error {
	code := c.mkt.Code
	if err := c.CheckYear(d.Year()); err != nil {
		return fmt.Errorf("%s %s: %w", code, d, err)
	}
	weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
	reason, holiday := c.Holiday(d)
	switch {
	case !open && weekend:
		return fmt.Errorf("%s %s is already closed: a %s", code, d, d.Weekday())
	case !open && holiday:
		return fmt.Errorf("%s %s is already closed: %s", code, d, reason)
	case open && weekend:
		return fmt.Errorf("%s %s is a %s, not a holiday: calendar open reopens holidays", code, d, d.Weekday())
	case open && !holiday:
		return fmt.Errorf("%s %s is not a holiday: it is already a session", code, d)
	}
	return nil
}
