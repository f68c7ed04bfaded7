package sourcetest

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"
)

// DriveClock advances clock a millisecond at a time, each time at least
// waiting() goroutines wait on it, until stop is closed. Given the number
// of workers that still have a request to make, time stands still while
// any of them is busy (a request on its way takes no time), so a rate
// limiter on clock grants at exact moments whatever the machine's load.
func DriveClock(clock *clockwork.FakeClock, waiting func() int, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		// waiting() falls as workers finish: ask again after a while.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		err := clock.BlockUntilContext(ctx, waiting())
		cancel()
		if err == nil {
			clock.Advance(time.Millisecond)
		}
	}
}
