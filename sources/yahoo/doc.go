// Package yahoo fetches daily bars, adjusted closes, dividends and splits
// from Yahoo Finance's chart API (/v8/finance/chart/{symbol}), and minute
// bars from the same API's intraday answers (interval=1m, 5m, 60m;
// Minutes, within Yahoo's limits: MinuteReach).
//
// Requests go through piquette/finance-go's backend, built per Source with
// the configured base URL and the caller's *http.Client (never finance-go's
// global backends). The backend is a thin GET-and-unmarshal helper, so
// three things it cannot do are done around it:
//
//   - It concatenates base URL and path without escaping, so the symbol is
//     path-escaped here ("^KS11" is sent as %5EKS11; a "/" or "?" in a
//     symbol could otherwise change the path or start the query).
//   - It reports every status of 400 and above as one opaque error. The
//     httpx transport beneath it answers those statuses with a
//     *httpx.StatusError before finance-go sees a response, so this
//     package reads the code and Yahoo's chart.error from that.
//   - Its chart iterator turns nulls into zeros, panics on empty results
//     and drops events, so responses are decoded into this package's own
//     null-preserving types instead.
//
// The package also owns Yahoo's spelling of symbols: a KRX code carries
// its board's suffix (SymbolFor, KRXCode), and NewInstrument turns what a
// user typed into an instrument. What a symbol is (market, instrument
// type, currency, name) is Yahoo's to say: Classify reads it from one
// chart's meta. Prices are rounded to meta.priceHint, and to whole units
// only where the market registry says the instrument type's tick is whole
// (KRX shares and ETFs), never by currency alone.
package yahoo
