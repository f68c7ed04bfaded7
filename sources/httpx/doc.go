// Package httpx is the one HTTP transport every source request goes through.
// A Transport serves one host: it sends browser-like headers (the sites
// throttle or refuse anything else), spends tokens from the host's rate
// limit on every attempt, pauses the whole host when the site answers 429,
// retries transient failures with capped exponential backoff, and turns
// HTTP statuses into typed errors that sources refine and the collector
// branches on.
//
// It is an http.RoundTripper so that finance-go's backend and colly can
// both use it unchanged: both only ever see an *http.Client.
package httpx
