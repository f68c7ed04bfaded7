package daemon

import (
	"context"
	"os"
	"strings"
	"testing"
)

// ReadJournal asks journalctl for the unit's last lines, and keeps at
// most journalMax bytes of its answer (a stand-in journalctl on PATH).
func TestReadJournal(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\nif [ \"$2\" = big.service ]; then head -c 300000 /dev/zero | tr '\\0' x; exit 0; fi\n" +
		"if [ \"$2\" = gone.service ]; then echo 'No journal files were found.' >&2; exit 1; fi\necho \"journalctl $*\"\n"
	if err := os.WriteFile(dir+"/journalctl", []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	ctx := context.Background()
	got, err := ReadJournal(ctx, "marketd.service", 50)
	if want := "journalctl -u marketd.service -n 50 --no-pager -o short-iso\n"; err != nil || got != want {
		t.Errorf("ReadJournal = %q, %v; want %q", got, err, want)
	}
	got, err = ReadJournal(ctx, "big.service", 50)
	if want := strings.Repeat("x", journalMax) + "(cut at 256 KiB)\n"; err != nil || got != want {
		t.Errorf("a 300000-byte journal: %d bytes, %v; want %d bytes ending in the cut note", len(got), err, len(want))
	}
	_, err = ReadJournal(ctx, "gone.service", 50)
	if want := "journalctl -u gone.service: exit status 1: No journal files were found."; err == nil || err.Error() != want {
		t.Errorf("ReadJournal of a missing journal: %v, want %s", err, want)
	}
}
