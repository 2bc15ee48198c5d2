package export_test

import (
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/export"
	"wms/model"
)

// Exporting the ledger, 10 000 to 300 000 rows, as XLSX and CSV: the time,
// and the memory of the export alone, from the Go runtime's heap metrics in
// this process: the peak of the heap above what it held (after a GC) when
// the export began, sampled every 2 ms, and all it allocated. The process's
// resident set is not a measure of it: it holds the seeding before it and
// the database's cache, and never shrinks. Both should stay flat from 10k
// to 300k rows.
//
//	go test ./export -run '^$' -bench Export -benchtime 1x
//
// (WMS_TEST_MYSQL_DSN set adds MariaDB.)
func BenchmarkExportLedger(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, rows := range []int{10_000, 100_000, 300_000} {
			b.Run(fmt.Sprintf("%s/rows=%d", name, rows), func(b *testing.B) {
				s := db.NewStore(dbtest.Open(b, name))
				seedLedger(b, s, rows)
				for _, format := range []model.ExportFormat{model.FormatXLSX, model.FormatCSV} {
					b.Run(string(format), func(b *testing.B) {
						for b.Loop() {
							b.StopTimer()
							runtime.GC()
							stop := watchHeap()
							b.StartTimer()
							start := time.Now()
							in := model.ExportInput{Kind: model.ExportLedger, Format: format}
							if err := export.Write(ctx, s, io.Discard, in, model.LocaleEN); err != nil {
								b.Fatal(err)
							}
							took := time.Since(start)
							peak, allocated := stop()
							b.ReportMetric(took.Seconds(), "s/export")
							b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
							b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
							b.ReportMetric(float64(allocated)/(1<<20), "alloc-MB")
						}
					})
				}
			})
		}
	}
}

// seedLedger writes n ledger entries: stock-ins of 500 lines over 50 goods.
func seedLedger(b *testing.B, s *db.Store, n int) {
	b.Helper()
	c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	var goods []int64
	for i := range 50 {
		g, err := s.CreateGoods(ctx, model.GoodsInput{Name: fmt.Sprintf("货品 %02d", i), CategoryID: c.ID})
		if err != nil {
			b.Fatal(err)
		}
		goods = append(goods, g.ID)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n; done += 500 {
		lines := make([]*model.StockInLineInput, min(500, n-done))
		for i := range lines {
			lines[i] = &model.StockInLineInput{GoodsID: goods[i%len(goods)], Quantity: model.Quantity(1000 + i), UnitCost: model.UnitCost(12345 + i)}
		}
		at = at.Add(time.Minute)
		if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, OccurredAt: &at, Lines: lines}); err != nil {
			b.Fatal(err)
		}
	}
}

// watchHeap samples the heap until stopped, and returns how far it rose
// above where it was when watching began (live and not yet collected
// objects) and how many bytes were allocated meanwhile.
func watchHeap() func() (peak, allocated uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	read := func() (heap, allocs uint64) {
		metrics.Read(samples)
		return samples[0].Value.Uint64(), samples[1].Value.Uint64()
	}
	base, allocs0 := read()
	var peakHeap atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if h, _ := read(); h > peakHeap.Load() {
				peakHeap.Store(h)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		h, allocs := read()
		peak := max(peakHeap.Load(), h)
		if peak < base {
			return 0, allocs - allocs0
		}
		return peak - base, allocs - allocs0
	}
}
