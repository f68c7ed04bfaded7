// Package collector turns "these instruments should be up to date" into
// requests and stored bars without skipping a day.
//
// It plans a window per instrument from the store's watermarks and the
// market's calendar, fetches through the sources with a few workers per
// source (the HTTP transport's limiter, not the worker count, bounds the
// rate), and writes each instrument's bars in the transaction that moves
// its watermark, so a crash between fetch and commit only means the range
// is fetched again. Every run is recorded in the store with per-instrument
// outcomes.
//
// The package declares the small interfaces it consumes (Source,
// BatchSource, Store, Calendar, Progress); cmd/marketd wires the real ones.
package collector
