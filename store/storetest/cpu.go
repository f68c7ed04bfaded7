package storetest

import (
	"syscall"
	"testing"
	"time"
)

// ProcessCPU returns the CPU time (user and system) this process has used:
// benchmarks report the difference across what they measure, a cost that
// does not depend on how busy the machine is.
func ProcessCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
