package daemon

import (
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

// Systemd is the ServiceManager of a daemon started by systemd
// (Type=notify), through go-systemd's sd_notify. Outside systemd (no
// NOTIFY_SOCKET) it notifies nothing and arms no watchdog.
type Systemd struct{}

// Notify sends state to systemd.
func (Systemd) Notify(state string) error {
	_, err := sd.SdNotify(false, state)
	return err
}

// WatchdogInterval is the unit's WatchdogSec=, zero when unset or meant
// for another process.
func (Systemd) WatchdogInterval() time.Duration {
	d, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		return 0
	}
	return d
}
