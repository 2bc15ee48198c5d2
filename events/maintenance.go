package events

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// Keeper is what the outbox's upkeep needs of the Store.
type Keeper interface {
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
	ScanExpiring(ctx context.Context, now time.Time, within time.Duration) (int, error)
}

// Maintain prunes events older than retention and, once a day, writes the
// LOTS_EXPIRING events of lots expiring within warn, until ctx ends. Every
// replica runs it: pruning twice is harmless, and the day's scan is taken by
// one of them (ScanExpiring).
func Maintain(ctx context.Context, k Keeper, now func() time.Time, retention, warn time.Duration, every time.Duration, log zerolog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := k.PruneEvents(ctx, now().Add(-retention)); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("events: pruning")
		} else if n > 0 {
			log.Info().Int64("events", n).Msg("events: pruned past the retention")
		}
		if n, err := k.ScanExpiring(ctx, now(), warn); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("events: expiry scan")
		} else if n > 0 {
			log.Info().Int("locations", n).Msg("events: lots expiring soon")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
