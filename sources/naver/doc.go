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
//   - Minutes: the chart feed's minute archive (timeframe=minute), one
//     request per instrument and window; MinuteReach says how far back.
//   - Quotes: the polling feed's live price and cumulative volume of many
//     codes per request, for minute bars built while the market trades.
//
// The minute archive is parsed by parseFChartMinutes. What of its format
// is verified and what is not: the envelope (EUC-KR XML,
// <chartdata> with a timeframe attribute, one <item data> per row) is the
// daily feed's, checked against the recorded daily body. No recorded
// minute body was found in public code, so the test body is CONSTRUCTED
// (testdata/fchart_005930_minute_count9_CONSTRUCTED-euckr.xml, laid out
// like the recorded daily body). The item form "YYYYMMDDHHMM|o|h|l|c|v",
// with o, h and l either prices or the word null, comes from three
// unrelated third-party projects' test fixtures (none a recording); the
// issue reports empty o|h|l as well, and both are read as missing. Not
// verified: that the volume is the day's cumulative volume (two of those
// fixtures show it, with the last minute equal to the daily volume; a
// third assumes per-minute volume and says it never checked), that the
// time is the minute's start (09:00 items exist, so it is not the end),
// and whether pre- and after-hours minutes (a 17:31 item in one fixture)
// and the 15:30 closing-auction print appear; the parser returns them and
// leaves the session's minutes to the calendar.
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
