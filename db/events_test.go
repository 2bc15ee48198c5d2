package db_test

import (
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// Events past the retention are pruned, newer ones kept; the daily expiry
// scan writes one LOTS_EXPIRING per location, once a day whoever asks.
func TestEventsPruneAndExpiryScan(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		soon := time.Now().Add(24 * time.Hour)
		mustStockIn(t, s, dated(g.ID, "2", "1", &soon))
		last, err := s.LastEventID(ctx)
		if err != nil || last == 0 {
			t.Fatalf("events after a stock-in: %d, %v", last, err)
		}
		n, err := s.ScanExpiring(ctx, time.Now(), 3*24*time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("expiry scan wrote %d, %v", n, err)
		}
		if n, err := s.ScanExpiring(ctx, time.Now(), 3*24*time.Hour); err != nil || n != 0 {
			t.Errorf("a second scan the same day wrote %d, %v", n, err)
		}
		es, err := s.EventsAfter(ctx, last, 10)
		if err != nil || len(es) != 1 || es[0].Type != model.EventLotsExpiring {
			t.Fatalf("after the scan: %+v, %v", es, err)
		}
		pruned, err := s.PruneEvents(ctx, time.Now().Add(time.Hour))
		if err != nil || pruned != last+1 {
			t.Errorf("pruned %d of %d, %v", pruned, last+1, err)
		}
		mustStockOut(t, s, out(g.ID, "1"))
		if next, _ := s.LastEventID(ctx); next <= last+1 {
			t.Errorf("an id was used again after pruning: %d", next)
		}
		if pruned, _ := s.PruneEvents(ctx, time.Now().Add(-time.Hour)); pruned != 0 {
			t.Errorf("pruned %d events younger than the retention", pruned)
		}
	})
}
