package collector

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// MinuteDropper is the part of the store that retention uses.
type MinuteDropper interface {
	DropMinutePartitionsBefore(ctx context.Context, t time.Time) (store.MinuteRetention, error)
}

// DropExpiredMinutes enforces intraday.retention at now: oldest returns,
// for now's date (UTC), the first date whose minute bars are kept
// (config.Span.Before). The store keeps that date's whole month (UTC) and
// drops every older month: MySQL drops the months' partitions, SQLite
// deletes their rows. The daemon calls it once a day; running it again
// drops nothing more.
func DropExpiredMinutes(ctx context.Context, st MinuteDropper, now time.Time, oldest func(market.Date) market.Date, log *slog.Logger) (store.MinuteRetention, error) {
	keep := oldest(market.DateOf(now.UTC()))
	if keep == 0 || keep >= market.DateOf(now.UTC()) {
		return store.MinuteRetention{}, fmt.Errorf("collector: intraday retention: oldest date kept %s is not before %s", keep, market.DateOf(now.UTC()))
	}
	res, err := st.DropMinutePartitionsBefore(ctx, keep.In(time.UTC))
	if err != nil {
		return res, fmt.Errorf("collector: intraday retention (minute bars before %s): %w", keep, err)
	}
	if log != nil && (len(res.Partitions) > 0 || res.Rows > 0) {
		log.Info("expired minute bars dropped", "kept_from", keep.String(), "partitions", res.Partitions, "rows", res.Rows)
	}
	return res, nil
}
