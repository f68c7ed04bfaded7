package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// finisher fails its first calls, and says which errors are transient.
type finisher struct {
	calls     int
	fail      int // calls that fail
	err       error
	transient bool
}

func (f *finisher) FinishRun(context.Context, *Run) error {
	f.calls++
	if f.calls <= f.fail {
		return f.err
	}
	return nil
}

func (f *finisher) Transient(error) bool { return f.transient }

// The final record is retried while the database is unreachable, and not
// at all when the database refused it on purpose (a constraint): waiting
// would only keep the run "running" for minutes.
func TestFinishRunRetryingOnlyTransient(t *testing.T) {
	ctx := context.Background()
	down := &finisher{fail: 2, err: errors.New("dial tcp: connection refused"), transient: true}
	if err := FinishRunRetrying(ctx, down, &Run{}, time.Minute); err != nil || down.calls != 3 {
		t.Errorf("database down twice: %v after %d calls; want nil after 3", err, down.calls)
	}
	refused := &finisher{fail: 100, err: errors.New("UNIQUE constraint failed"), transient: false}
	if err := FinishRunRetrying(ctx, refused, &Run{}, time.Minute); err == nil || refused.calls != 1 {
		t.Errorf("a constraint: %v after %d calls; want the error after 1", err, refused.calls)
	}
}
