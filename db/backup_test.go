package db_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/db/dbtest"
	"wms/media"
	"wms/model"
)

// A backup taken with VACUUM INTO while stock-outs stream in is the
// database at one instant: restored elsewhere, every SPEC §1 invariant
// holds, it has between the stock-outs done before and after it, and every
// media file it refers to is in the store. Restoring over a database that
// holds data needs force.
func TestBackupDuringStockOutsRestoresWhole(t *testing.T) {
	opts := dbtest.Options(t, dbtest.SQLite)
	bdb, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if err := db.Migrate(ctx, bdb, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	s := db.NewStore(bdb)
	mediaDir := t.TempDir()
	files := media.NewService(s, media.Folder{Dir: mediaDir}, 1<<20, zerolog.Nop())
	gs := kitchen(t, s, 3)
	for i, g := range gs {
		img, err := files.Save(ctx, "photo.png", strings.NewReader("\x89PNG\r\n\x1a\n"+strings.Repeat(g.Name, 40+i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateGoods(ctx, model.GoodsUpdate{ID: g.ID, ImageID: model.To(img.ID)}); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			mustStockIn(t, s, in(g.ID, "40", "1.25"))
		}
	}

	var served atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				g := gs[(w+i)%len(gs)]
				_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume,
					Lines: []*model.StockOutLineInput{out(g.ID, "0.125"), out(gs[(w+i+1)%len(gs)].ID, "0.25")}})
				if err != nil && !errors.As(err, new(*model.InsufficientStockError)) {
					t.Errorf("stock out: %v", err)
					return
				}
				if err == nil {
					served.Add(1)
				}
			}
		})
	}
	for served.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	before := served.Load()
	backup := filepath.Join(t.TempDir(), "wms-backup.db")
	if err := db.BackupSQLite(ctx, bdb, backup); err != nil {
		t.Fatal(err)
	}
	after := served.Load()
	for served.Load() < after+10 {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err := db.BackupSQLite(ctx, bdb, backup); err == nil {
		t.Error("a backup over an existing file was written")
	}

	restored := filepath.Join(t.TempDir(), "restored", "wms.db")
	if err := db.RestoreSQLite(ctx, backup, restored, false); err != nil {
		t.Fatal(err)
	}
	if err := db.RestoreSQLite(ctx, backup, restored, false); !errors.Is(err, db.ErrNotEmpty) {
		t.Errorf("restore over a database with data, without force: %v", err)
	}
	if err := db.RestoreSQLite(ctx, backup, restored, true); err != nil {
		t.Errorf("restore with force: %v", err)
	}
	if err := db.RestoreSQLite(ctx, filepath.Join(mediaDir, "nothing.db"), restored, true); err == nil {
		t.Error("a missing backup was restored")
	}

	ropts := opts
	ropts.SQLitePath = restored
	rdb, err := db.Open(ctx, ropts)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rs := db.NewStore(rdb)
	checkInvariants(t, rs)
	var n int64
	if err := rdb.NewRaw("SELECT COUNT(*) FROM stock_outs").Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n < before || n > after || after >= served.Load() {
		t.Errorf("the backup holds %d stock-outs; %d were done before it began and %d when it ended (%d in all)", n, before, after, served.Load())
	}
	objs, err := rs.StoredObjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != len(gs) {
		t.Errorf("the backup refers to %d media files, want %d", len(objs), len(gs))
	}
	for _, o := range objs {
		if _, err := os.Stat(filepath.Join(mediaDir, filepath.FromSlash(o.Key))); err != nil {
			t.Errorf("media %s referenced by the backup is not in the store: %v", o.Key, err)
		}
	}
	t.Logf("backup holds %d stock-outs (%d before, %d after it)", n, before, after)
}
