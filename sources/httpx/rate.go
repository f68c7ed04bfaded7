package httpx

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// ParseRate parses a request budget such as "500/h", "2/s", "30/m",
// "1000/d" or "unlimited" into a rate.Limit.
func ParseRate(s string) (rate.Limit, error) {
	s = strings.TrimSpace(s)
	if s == "unlimited" || s == "inf" {
		return rate.Inf, nil
	}
	num, unit, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("invalid rate %q: want N/s, N/m, N/h, N/d or unlimited", s)
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid rate %q: %q is not a positive number", s, num)
	}
	var per time.Duration
	switch unit {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	case "d", "day":
		per = 24 * time.Hour
	default:
		return 0, fmt.Errorf("invalid rate %q: unit %q is not s, m, h or d", s, unit)
	}
	return rate.Limit(n / per.Seconds()), nil
}
