package collector

import (
	"context"
	"sync"
	"time"

	"github.com/marketd/marketd/store"
)

// minuteWriter commits the minute writes of a run's workers together:
// the writes waiting when a transaction starts go into it, up to
// maxRows bars, with minuteTxInFlight transactions at once. An archive is thousands of writes of one session each,
// and a transaction apiece would cost a commit (a log flush) and, on
// MySQL, a look at the table's partitions per instrument.
//
// A worker waits for its write to commit before it sends the next, so an
// instrument's sessions still commit in ascending order and its minute
// watermark stays true. A transaction that fails is retried write by
// write, so that one instrument's bad bar fails only that instrument.
type minuteWriter struct {
	ctx     context.Context // the run's, without its cancellation
	st      MinuteStore
	maxRows int
	reqs    chan minuteWriteReq
	done    chan struct{}
}

// minuteTxRows bounds the bars of one transaction of a run's minute
// writes: twenty sessions of 1m bars.
const minuteTxRows = 20 * 390

// shareWriter gives the intraday items of a run one minuteWriter and
// returns what stops it, once the run is done.
func (c *Collector) shareWriter(ctx context.Context, items []item) (stop func()) {
	w := newMinuteWriter(ctx, c.deps.Store, minuteTxRows)
	for _, it := range items {
		if it.minutes != nil {
			it.minutes.writer = w
		}
	}
	return w.close
}

type minuteWriteReq struct {
	w     store.MinuteWrite
	reply chan minuteWriteReply
}

// minuteWriteReply is a write's outcome. A shared transaction's counts
// go to the first write of it, whole: the run's totals are their sums,
// and no instrument's result shows them.
type minuteWriteReply struct {
	res store.WriteResult
	err error
}

// newMinuteWriter starts a writer; close stops it once every write sent
// has been answered.
func newMinuteWriter(ctx context.Context, st MinuteStore, maxRows int) *minuteWriter {
	w := &minuteWriter{ctx: context.WithoutCancel(ctx), st: st, maxRows: maxRows, reqs: make(chan minuteWriteReq), done: make(chan struct{})}
	var wg sync.WaitGroup
	for range minuteTxInFlight {
		wg.Go(w.loop)
	}
	go func() {
		wg.Wait()
		close(w.done)
	}()
	return w
}

// minuteTxInFlight is how many transactions a run's minute writes keep
// going at once: while one commits (a log flush on MySQL), the next one's
// rows are on their way.
const minuteTxInFlight = 2

// write commits mw, with others waiting at the same time, and returns
// its outcome. A write in flight is finished even when ctx ends.
func (w *minuteWriter) write(mw store.MinuteWrite) (store.WriteResult, error) {
	reply := make(chan minuteWriteReply, 1)
	w.reqs <- minuteWriteReq{mw, reply}
	r := <-reply
	return r.res, r.err
}

func (w *minuteWriter) close() {
	close(w.reqs)
	<-w.done
}

func (w *minuteWriter) loop() {
	for first := range w.reqs {
		batch := []minuteWriteReq{first}
		rows := len(first.w.Bars)
	gather:
		for rows < w.maxRows {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, r)
				rows += len(r.w.Bars)
			default:
				break gather
			}
		}
		w.commit(batch)
	}
}

// commit writes batch in one transaction, or write by write when that
// fails.
func (w *minuteWriter) commit(batch []minuteWriteReq) {
	writes := make([]store.MinuteWrite, len(batch))
	for i, r := range batch {
		writes[i] = r.w
	}
	res, err := w.writeNow(writes)
	if err == nil || len(batch) == 1 {
		batch[0].reply <- minuteWriteReply{res, err}
		for _, r := range batch[1:] {
			r.reply <- minuteWriteReply{err: err}
		}
		return
	}
	for _, r := range batch {
		res, err := w.writeNow([]store.MinuteWrite{r.w})
		r.reply <- minuteWriteReply{res, err}
	}
}

// writeNow runs one transaction, bounded, even when the run's context
// has ended: a write a worker sent is finished, not abandoned.
func (w *minuteWriter) writeNow(writes []store.MinuteWrite) (store.WriteResult, error) {
	ctx, cancel := context.WithTimeout(w.ctx, time.Minute)
	defer cancel()
	return w.st.WriteMinutes(ctx, writes)
}
