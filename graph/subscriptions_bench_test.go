package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/events"
	"wms/graph"
	"wms/model"
)

// BenchmarkSubscribers: 200 websocket subscribers of stockChanged on one
// process; each iteration is one stock-out, timed from its commit (the
// Store's answer) until all 200 have received its change. Reports the
// median and p95 of that time.
//
//	go test ./graph -run '^$' -bench Subscribers -benchtime 50x
func BenchmarkSubscribers(b *testing.B) {
	const subscribers = 200
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		b.Run(fmt.Sprintf("%s/%d", name, subscribers), func(b *testing.B) {
			s := db.NewStore(dbtest.Open(b, name))
			hub := events.NewHub(s, zerolog.Nop())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go hub.Run(ctx)
			<-hub.Started()
			a := auth.NewService(s, time.Hour, zerolog.Nop())
			if _, _, err := a.Bootstrap(ctx, "admin", testPassword); err != nil {
				b.Fatal(err)
			}
			token, _, err := a.Login(ctx, "admin", testPassword)
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(graph.NewHandler(&graph.Resolver{Store: s, Auth: a, Events: hub, Log: zerolog.Nop()}, graph.DefaultOptions))
			defer srv.Close()
			c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			g, err := s.CreateGoods(ctx, model.GoodsInput{Name: "hot", CategoryID: c.ID})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{
				{GoodsID: g.ID, Quantity: model.MustQuantity("1000000"), UnitCost: model.MustUnitCost("1")}}}); err != nil {
				b.Fatal(err)
			}
			// 200 connections, each subscribed; every receipt reports the
			// document code it saw.
			got := make(chan string, subscribers*4)
			var wg sync.WaitGroup
			for range subscribers {
				conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/",
					&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
				if err != nil {
					b.Fatal(err)
				}
				defer conn.CloseNow()
				write := func(m map[string]any) {
					bs, _ := json.Marshal(m)
					if err := conn.Write(ctx, websocket.MessageText, bs); err != nil {
						b.Fatal(err)
					}
				}
				write(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}})
				write(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
					"query": `subscription { stockChanged { documentCode onHand } }`}})
				wg.Go(func() {
					for {
						_, bs, err := conn.Read(ctx)
						if err != nil {
							return
						}
						var m struct {
							Type    string
							Payload struct {
								Data struct{ StockChanged struct{ DocumentCode string } }
							}
						}
						if json.Unmarshal(bs, &m) == nil && m.Type == "next" {
							got <- m.Payload.Data.StockChanged.DocumentCode
						} else if m.Type == "ping" {
							write(map[string]any{"type": "pong"})
						}
					}
				})
			}
			for hub.Subscribers() < subscribers {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // the stock-in's change has gone by
			for len(got) > 0 {
				<-got
			}
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				d, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume,
					Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("1")}}})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for n := 0; n < subscribers; {
					select {
					case code := <-got:
						if code == d.Code {
							n++
						}
					case <-time.After(5 * time.Second):
						b.Fatalf("%d of %d subscribers heard of %s", n, subscribers, d.Code)
					}
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "ms-p95")
			cancel()
		})
	}
}
