// Command marketd collects daily market data for US and Korean stocks into
// MySQL or SQLite and keeps it complete. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Set by the linker: go build -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
