package daemon

import (
	"context"
	"os"
	"syscall"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
)

// Serve runs d until ctx ends or sigs delivers SIGTERM or SIGINT, and on
// SIGHUP hands it the configuration reload loads again (the way start-up
// did). A configuration that does not load or that Reload refuses is
// logged and the running one kept. ready, when set, is called once the
// daemon runs. A clean stop returns nil.
func Serve(ctx context.Context, d *Daemon, sigs <-chan os.Signal, reload func() (config.Config, error), ready func(*Daemon)) error {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	select {
	case <-d.Ready():
		if ready != nil {
			ready(d)
		}
	case err := <-done:
		return err
	}
	for {
		select {
		case err := <-done:
			return err
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				d.log.Info("stopping", "signal", sig.String())
				stop()
				return <-done
			}
			next, err := reload()
			if err == nil {
				err = d.Reload(ctx, next)
			} else {
				err = d.Config().Redact(err)
			}
			if err != nil {
				d.log.Error("configuration reload rejected; keeping the running one", "err", err)
			}
		}
	}
}
