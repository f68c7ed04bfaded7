// Package naver fetches daily bars of KRX stocks and ETFs (KOSPI and
// KOSDAQ) and the listing of each market from Naver Finance, choosing the
// cheapest endpoint for each job:
//
//   - Recent: the chart feed (fchart sise.nhn), the N latest sessions of one
//     code in one request; the daily job and the restatement window.
//   - Fetch: siseJson, any date range of one code in one request; backfill.
//     Short windows that reach today go to the chart feed instead (see Fetch).
//   - Latest: the polling feed, the latest session of many codes per request;
//     the day's bars of a whole market after the close.
//   - Listing: the mobile market-value ranking, paged.
//
// Every request goes through gocolly with a collector made for the call and
// the caller's *http.Client transport (sources/httpx: per-host rate limit,
// browser headers, retries, typed status errors). Values are KRX-only: the
// mobile /price endpoint, which mixes in Nextrade trading, is never used.
//
// NewInstrument admits KRX codes on XKRX only. The Source states its traits
// to the collector: a polling batch (BatchSize) and split-adjusted history
// without split events (SilentSplits).
package naver
