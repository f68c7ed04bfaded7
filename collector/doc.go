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
// It also keeps the instrument list itself: ImportListing makes a board's
// instruments match a source's listing, refusing a listing that would
// deactivate implausibly many, and FreshnessOf says which instruments a
// collect would bring forward (status and the instruments-behind metric).
//
// The package declares the small interfaces it consumes (Source,
// BatchSource, Store, Calendar, Lister, ListingStore, WatermarkReader,
// Progress); a source states its own traits by implementing BatchSource or
// SilentSplitter, so wiring a source is one map entry. cmd/marketd wires
// the real ones.
package collector
