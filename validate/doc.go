// Package validate checks what the store holds against the exchange
// calendars: sessions missing for an instrument (gaps), instruments that
// stopped updating (stale), bars that cannot be right (bad bars), sources
// that disagree or stopped answering, and scheduled jobs that stopped
// succeeding. It repairs what a backfill can repair, then reports the rest
// so the operator hears about every problem once, with the command that
// fixes it.
package validate
