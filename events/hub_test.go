package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
	"wms/events"
	"wms/model"
)

func startHub(t *testing.T, s *db.Store) *events.Hub {
	t.Helper()
	h := events.NewHub(s, zerolog.Nop())
	h.Poll = 20 * time.Millisecond
	c, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go h.Run(c)
	<-h.Started()
	return h
}

// Two server processes on one database: a subscriber on one hears of a
// stock-out written through the other within a second. An event is written
// if and only if its document commits.
func TestSubscribersHearOtherProcesses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		a := db.NewStore(bdb)
		b := db.NewStore(dbtest.Reopen(t, bdb))
		g := shop(t, a)
		hub := startHub(t, a)
		sub := hub.Subscribe(func(e *model.Event) bool { return e.Type == model.EventStockChanged })
		before, err := b.LastEventID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume,
			Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("1000")}}})
		if model.ErrorCode(err) != model.CodeInsufficientStock {
			t.Fatalf("a stock-out of too much: %v", err)
		}
		if after, _ := b.LastEventID(ctx); after != before {
			t.Errorf("a refused stock-out wrote events %d..%d", before+1, after)
		}
		start := time.Now()
		d := stockOut(t, b, g)
		select {
		case e := <-sub.C:
			c, ok := model.ReadStockChange(e)
			if !ok || c.Document == nil || c.Document.Code != d.Code || c.OnHand.String() != "99" {
				t.Errorf("heard %v", e.Payload)
			}
			t.Logf("heard after %v", time.Since(start))
		case <-time.After(time.Second):
			t.Fatal("nothing heard within a second")
		}
	})
}
