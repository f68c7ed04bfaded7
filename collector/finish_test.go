package collector

import (
	"context"
	"errors"
	"testing"

	"github.com/marketd/marketd/store"
)

// downAtEndStore fails the first FinishRun calls, as a database being
// restarted when the run ends.
type downAtEndStore struct {
	Store
	failures int
	calls    int
}

func (s *downAtEndStore) FinishRun(ctx context.Context, r *store.Run) error {
	s.calls++
	if s.calls <= s.failures {
		return errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")
	}
	return s.Store.FinishRun(ctx, r)
}

// A run ending while the database is down records its end once it is back:
// it used to stay "running".
func TestFinalRecordRetriedWhileDatabaseDown(t *testing.T) {
	f := newFixture(t, "AAPL")
	down := &downAtEndStore{Store: f.st, failures: 2}
	f.store = down
	c, _ := f.collector()
	s, err := c.Collect(context.Background(), CollectRequest{})
	if err != nil || s.OK != 1 {
		t.Fatalf("collect: %+v, %v", s.Run, err)
	}
	if down.calls != 3 {
		t.Errorf("%d FinishRun calls, want 3 (2 failed)", down.calls)
	}
	runs, err := f.st.Runs(context.Background(), "collect", 1)
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunOK {
		t.Fatalf("recorded %+v, %v; want the run ok", runs, err)
	}
}
