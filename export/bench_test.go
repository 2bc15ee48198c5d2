package export_test

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/export"
	"wms/model"
)

// Exporting the ledger, 10 000 and 100 000 rows, as XLSX and CSV. Besides
// the time, it reports the peak Go heap and the peak resident set of the
// process while the export runs: both should stay flat from 10k to 100k.
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
							runtime.GC()
							stop := watchMemory()
							start := time.Now()
							in := model.ExportInput{Kind: model.ExportLedger, Format: format}
							if err := export.Write(ctx, s, io.Discard, in, model.LocaleEN); err != nil {
								b.Fatal(err)
							}
							took := time.Since(start)
							heap, rss := stop()
							b.ReportMetric(took.Seconds(), "s/export")
							b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
							b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
							b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
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

// watchMemory samples the heap and the resident set until stopped, and
// returns their peaks.
func watchMemory() func() (heap, rss uint64) {
	var mu sync.Mutex
	var peakHeap, peakRSS uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		r := residentSet()
		mu.Lock()
		peakHeap, peakRSS = max(peakHeap, ms.HeapInuse), max(peakRSS, r)
		mu.Unlock()
	}
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
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
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peakHeap, peakRSS
	}
}

// residentSet is the process's resident memory in bytes (Linux).
func residentSet() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}
