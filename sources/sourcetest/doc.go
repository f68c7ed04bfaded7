// Package sourcetest is a simulated Yahoo + Naver market for tests and
// offline trials.
//
// One http.Handler serves every route marketd uses, in the byte formats of
// the real endpoints (the recorded bodies in testdata/ are the reference):
// Yahoo's chart API, Naver's fchart XML (EUC-KR), siseJson, the polling
// API, the market listing, and the discontinued daily-price page (410).
// Prices come from a deterministic random walk per symbol that follows the
// exchange calendars, with configurable listings, delistings, splits,
// dividends, halts and nulls, and a provisional bar for the session in
// progress. Bars returns the ground truth a correct collector would store.
//
// Every session also has a minute series (minutes.go), drawn from the
// symbol's seed and the date so any request sees the same minutes: the
// calendar's regular-session minutes (early closes, KRX's late openings),
// adding up to the session's daily bar (first open, last close, high, low,
// volume); an Illiquid symbol trades in about one minute in four, and US
// shares trade thinly before and after the session. Yahoo's chart API
// serves it at 1m, 5m and 60m within Yahoo's limits (422 beyond them),
// fchart's minute archive at 1m for seven days, and during the KRX
// session the polling feed shows the last ended minute's close and the
// volume so far, moving every minute of the (fake) clock. MinuteTruth is
// the ground truth of those bars.
//
// The server also behaves like a real site under load: a sliding-window
// rate limit per host or per route group (429 with Retry-After beyond it,
// counted as violations) and seeded fault injection (5xx, latency, resets,
// hangs, truncated and malformed bodies, 410, format drift).
package sourcetest
