package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/marketd/marketd/store"
)

// RunStore reads a recorded run and its work units.
type RunStore interface {
	RunByID(ctx context.Context, id int64) (store.Run, bool, error)
	Units(ctx context.Context, runID int64) ([]store.Unit, error)
}

// UnitGroup is the work units of a shared run that one host holds in one
// state, summed.
type UnitGroup struct {
	Host, State        string
	Units, Instruments int
	Counts             store.UnitCounts
}

// RunReport is one run in full, as marketd status --run shows it: its
// counts, its units by host and state when it was shared, and every
// instrument whose result was not ok, which the one-line message of
// status cuts short.
type RunReport struct {
	store.Run
	Units []UnitGroup // empty for a run that was not shared
}

// RunReportOf reads run id; ok is false when no run has that ID.
func RunReportOf(ctx context.Context, st RunStore, id int64) (rep RunReport, ok bool, err error) {
	r, ok, err := st.RunByID(ctx, id)
	if err != nil || !ok {
		return rep, ok, err
	}
	rep.Run = r
	units, err := st.Units(ctx, id)
	if errors.Is(err, store.ErrSingleHost) { // a database that cannot share (SQLite)
		return rep, true, nil
	}
	if err != nil {
		return rep, true, err
	}
	for _, u := range units {
		host := cmp.Or(u.Host, "-") // a pending unit has no host yet
		i := slices.IndexFunc(rep.Units, func(g UnitGroup) bool { return g.Host == host && g.State == u.State })
		if i < 0 {
			i = len(rep.Units)
			rep.Units = append(rep.Units, UnitGroup{Host: host, State: u.State})
		}
		g := &rep.Units[i]
		g.Units++
		g.Instruments += len(u.Symbols)
		g.Counts = g.Counts.Add(u.UnitCounts)
	}
	slices.SortFunc(rep.Units, func(a, b UnitGroup) int { return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.State, b.State)) })
	return rep, true, nil
}

// WriteText writes the run's fields, its units, its results that were not
// ok or carry a note (an ok minute backfill names the sessions past the
// source's reach: the user asked for them and must learn they were not
// fetched) and a summary line counting its results by status.
func (rep RunReport) WriteText(w io.Writer) error {
	r := rep.Run
	finished := "-"
	if !r.Finished.IsZero() {
		finished = fmt.Sprintf("%s (took %s)", r.Finished.UTC().Format(time.RFC3339), r.Finished.Sub(r.Started).Round(time.Second))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"run", fmt.Sprint(r.ID)},
		{"job", r.Job},
		{"host", cmp.Or(r.Host, "-")},
		{"started", r.Started.UTC().Format(time.RFC3339)},
		{"finished", finished},
		{"status", r.Status},
		{"instruments", fmt.Sprintf("%d ok, %d failed, %d skipped", r.OK, r.Failed, r.Skipped)},
		{"requests", fmt.Sprintf("%d (%d throttled, %d retries)", r.Requests, r.Throttled, r.Retries)},
		{"rows", fmt.Sprintf("%d inserted, %d changed, %d unchanged", r.Inserted, r.Changed, r.Unchanged)},
		{"message", cmp.Or(r.Message, "-")},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
	}
	if len(rep.Units) > 0 {
		fmt.Fprintln(tw, "\nHOST\tSTATE\tUNITS\tINSTRUMENTS\tOK\tFAILED\tSKIPPED\tROWS\tREQUESTS")
	}
	for _, g := range rep.Units {
		c := g.Counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", g.Host, g.State, g.Units, g.Instruments,
			c.OK, c.Failed, c.Skipped, c.Inserted+c.Changed+c.Unchanged, c.Requests)
	}
	notOK := 0
	for _, rr := range r.Results {
		if rr.Status == statusOK && rr.Error == "" {
			continue
		}
		if notOK == 0 {
			fmt.Fprintln(tw, "\nSOURCE\tSYMBOL\tSTATUS\tFROM\tTO\tROWS\tERROR")
		}
		notOK++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", rr.Key.Source, rr.Key.Symbol, rr.Status,
			dash(rr.From), dash(rr.To), rr.Rows, cmp.Or(rr.Error, "-"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "run %d: %s\n", r.ID, rep.resultCounts())
	return err
}

// resultCounts counts the run's results by status, ok first, then in the
// order the statuses first appear: "6 instrument results: 1 ok, 5 failed".
func (rep RunReport) resultCounts() string {
	if len(rep.Results) == 0 {
		return "no instrument results"
	}
	byStatus := map[string]int{}
	statuses := []string{statusOK}
	for _, rr := range rep.Results {
		if !slices.Contains(statuses, rr.Status) {
			statuses = append(statuses, rr.Status)
		}
		byStatus[rr.Status]++
	}
	counts := make([]string, 0, len(statuses))
	for _, s := range statuses {
		if byStatus[s] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", byStatus[s], s))
		}
	}
	return plural(len(rep.Results), "instrument result") + ": " + strings.Join(counts, ", ")
}
