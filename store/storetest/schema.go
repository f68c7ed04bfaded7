package storetest

import (
	"context"
	"testing"

	"github.com/marketd/marketd/store"
)

func testMigrateTwice(t *testing.T, s *store.Store) {
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}
