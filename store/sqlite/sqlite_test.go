package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"
	"github.com/marketd/marketd/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store {
		ctx := context.Background()
		s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "marketd.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	})
}
