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
// The server also behaves like a real site under load: a sliding-window
// rate limit per host or per route group (429 with Retry-After beyond it,
// counted as violations) and seeded fault injection (5xx, latency, resets,
// hangs, truncated and malformed bodies, 410, format drift).
package sourcetest
