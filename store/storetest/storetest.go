// Package storetest is the contract every store dialect must meet: the
// same tests run against SQLite and MySQL/MariaDB. Run lists the cases;
// each file holds those of one concern (bars, actions, runs, …), as
// river's riverdrivertest does.
package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Opener returns a fresh, migrated, empty store for one test and arranges
// its removal with t.Cleanup.
type Opener func(t *testing.T) *store.Store

// Run runs the contract against stores from open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *store.Store)
	}{
		{"IdempotentRewrite", testIdempotentRewrite},
		{"RestatedClose", testRestatedClose},
		{"NewAndRestatedInOneWrite", testNewAndRestated},
		{"NullsRoundTrip", testNullsRoundTrip},
		{"Halts", testHalts},
		{"KRXCodesWithLetters", testKRXCodes},
		{"SeoulDatesNeverShift", testSeoulDates},
		{"FailureCommitsNothing", testFailureCommitsNothing},
		{"FinalBefore", testFinalBefore},
		{"Actions", testActions},
		{"ScanActions", testScanActions},
		{"ScanBarsOf", testScanBarsOf},
		{"ScanBarsOfManyBatches", testScanBarsOfManyBatches},
		{"DeleteCalendarOverride", testDeleteCalendarOverride},
		{"RunByID", testRunByID},
		{"Instruments", testInstruments},
		{"InstrumentTypes", testInstrumentTypes},
		{"Intraday", testIntraday},
		{"Precision", testPrecision},
		{"RunsRoundTrip", testRuns},
		{"ClaimSlot", testClaimSlot},
		{"LatestBarsManyKeys", testLatestBars},
		{"LatestBarsFollowWrites", testLatestBarsFollowWrites},
		{"LatestBarsBackfilled", testLatestBarsBackfilled},
		{"MigrateTwice", testMigrateTwice},
		{"InvalidInput", testInvalidInput},
		{"Checkpoints", testCheckpoints},
		{"ProblemsScope", testProblemsScope},
		{"AbandonGone", testAbandonGone},
		{"MinutesIdempotentRewrite", testMinutesIdempotentRewrite},
		{"MinutesRestatement", testMinutesRestatement},
		{"MinutesRangeRead", testMinutesRangeRead},
		{"MinutesMany", testMinutesMany},
		{"MinuteRetention", testMinuteRetention},
		{"MinutesInvalid", testMinutesInvalid},
		{"MinuteCounts", testMinuteCounts},
		{"LatestMinutes", testLatestMinutes},
		{"UnitClaimsNeverOverlap", testUnitClaimsNeverOverlap},
		{"UnitLeaseTakeover", testUnitLeaseTakeover},
		{"UnitDoneIsFinal", testUnitDoneIsFinal},
		{"UnitRelease", testUnitRelease},
		{"OpenUnitRunsAreRunning", testOpenUnitRunsAreRunning},
		{"SharedRunTakeover", testSharedRunTakeover},
		{"SharedRunNotAbandonedByPid", testSharedRunNotAbandonedByPid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func dec(t testing.TB, s string) market.Decimal {
	t.Helper()
	d, err := market.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func date(t testing.TB, s string) market.Date {
	t.Helper()
	d, err := market.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// bar builds a full bar from decimal strings.
func bar(t testing.TB, day, o, h, l, c, adj string, vol int64) market.Bar {
	return market.Bar{
		Date: date(t, day), Open: market.Some(dec(t, o)), High: market.Some(dec(t, h)), Low: market.Some(dec(t, l)),
		Close: dec(t, c), AdjClose: market.Some(dec(t, adj)), Volume: market.Some(vol),
	}
}

var (
	aapl    = market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	samsung = market.Key{Source: market.SourceNaver, Symbol: "005930"}
)

func threeBars(t testing.TB) []market.Bar {
	return []market.Bar{
		bar(t, "2024-01-02", "187.15", "188.44", "183.885", "185.64", "184.938217", 82488700),
		bar(t, "2024-01-03", "184.22", "185.88", "183.43", "184.25", "183.553467", 58414500),
		bar(t, "2024-01-04", "182.15", "183.0872", "180.88", "181.91", "181.222336", 71983600),
	}
}

func write(t *testing.T, s *store.Store, ws ...store.Write) store.WriteResult {
	t.Helper()
	r, err := s.Write(context.Background(), ws)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return r
}

func readBars(t *testing.T, s *store.Store, k market.Key) []market.Bar {
	t.Helper()
	got, err := s.Bars(context.Background(), k, 0, 0)
	if err != nil {
		t.Fatalf("Bars(%s): %v", k, err)
	}
	return got
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}
