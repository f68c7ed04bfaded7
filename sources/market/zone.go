package market

import "time"

// ZoneOf returns the time zone of market code (any MIC or name the
// registry knows), whose dates its sessions are; UTC for a market the
// registry lacks, whose dates marketd counts in UTC.
func ZoneOf(code string) *time.Location {
	if m, err := LookupMarket(code); err == nil && m.Location != nil {
		return m.Location
	}
	return time.UTC
}
