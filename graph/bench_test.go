package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/graph"
	"wms/model"
)

// A page of 50 goods with their category and stock, and a page of the stock
// list, through the whole HTTP + GraphQL path, alone and from 32 clients at
// once:
//
//	go test ./graph -run '^$' -bench Page -benchtime 3s
//
// with WMS_TEST_MYSQL_DSN set for the MariaDB half.

var benchPages = map[string]string{
	"goods": `query Goods { goodsList(first: 50) { totalCount nodes { id name unit sku category { id name }
		stock { onHand value averageCost low } } pageInfo { endCursor hasNextPage } } }`,
	"flat":  `query Flat { goodsList(first: 50) { nodes { id name unit sku } } }`,
	"stock": `query Stock { stock(first: 50) { nodes { onHand value averageCost low goods { id name category { name } } } } }`,
}

func BenchmarkPage(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, page := range []string{"goods", "stock", "flat"} {
			for _, workers := range []int{1, 32} {
				b.Run(fmt.Sprintf("%s/%s/c%d", name, page, workers), func(b *testing.B) {
					benchPage(b, name, benchPages[page], workers)
				})
			}
		}
	}
}

func benchPage(b *testing.B, name, query string, workers int) {
	ctx := context.Background()
	s := db.NewStore(dbtest.Open(b, name))
	for i := range 10 {
		c, err := s.CreateCategory(ctx, model.CategoryInput{Name: fmt.Sprintf("category %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		for j := range 10 {
			g, err := s.CreateGoods(ctx, model.GoodsInput{Name: fmt.Sprintf("goods %d-%d", i, j), CategoryID: c.ID})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase,
				Lines: []*model.StockInLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("12.5"), UnitCost: model.MustUnitCost("2.25")}}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	a := auth.NewService(s, time.Hour, zerolog.Nop())
	if _, _, err := a.Bootstrap(ctx, "admin", testPassword); err != nil {
		b.Fatal(err)
	}
	token, _, err := a.Login(ctx, "admin", testPassword)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(graph.NewHandler(&graph.Resolver{Store: s, Auth: a, Log: zerolog.Nop()}, graph.DefaultOptions))
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	body, _ := json.Marshal(map[string]any{"query": query})
	get := func() error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
			return fmt.Errorf("%d %s", res.StatusCode, raw)
		}
		return nil
	}
	if err := get(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if workers == 1 {
		for b.Loop() {
			if err := get(); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism((workers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := get(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
