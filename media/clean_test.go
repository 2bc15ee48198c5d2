package media_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/db/dbtest"
	"wms/media"
	"wms/model"
)

func TestCleanRemovesUnusedUploadsAndExpiredExports(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		svc := media.NewService(s, media.Folder{Dir: dir}, 1<<20, zerolog.Nop())
		svc.Now = func() time.Time { return now }
		png := "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100)
		save := func(content string) *model.Media {
			m, err := svc.Save(ctx, "a.png", strings.NewReader(content))
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		oldUnused := save(png)
		oldShared := save(png + "shared")
		oldUsed := save(png + "used")
		svc.Now = func() time.Time { return now.Add(30 * time.Hour) }
		fresh := save(png + "shared") // same bytes as oldShared
		export, err := svc.SaveGenerated(ctx, "ledger.csv", "text/csv", strings.NewReader("a,b\n"), now.Add(29*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "c"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGoods(ctx, model.GoodsInput{Name: "g", CategoryID: c.ID, ImageID: &oldUsed.ID}); err != nil {
			t.Fatal(err)
		}
		n, failed, err := svc.Clean(ctx)
		if err != nil || n != 3 || failed != 0 {
			t.Fatalf("cleaned %d, %d failed (%v), want 3: the unused old uploads and the expired export", n, failed, err)
		}
		for _, m := range []*model.Media{oldUnused, oldShared, export} {
			if _, err := s.Media(ctx, m.ID); model.ErrorCode(err) != model.CodeNotFound {
				t.Errorf("media %d still there: %v", m.ID, err)
			}
		}
		exists := func(m *model.Media) bool {
			_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(m.Key)))
			return err == nil
		}
		if exists(oldUnused) || exists(export) {
			t.Error("the bytes of removed media are still stored")
		}
		if !exists(fresh) || !exists(oldUsed) {
			t.Error("bytes still in use were removed")
		}
		for _, m := range []*model.Media{oldUsed, fresh} {
			if _, err := s.Media(ctx, m.ID); err != nil {
				t.Errorf("media %d in use or fresh was removed: %v", m.ID, err)
			}
		}
	})
}

// An export written as a goods image or a stock-in attachment before the API
// refused that (here: straight into the tables) once made the clean-up fail
// on the attachment's foreign key when it expired, every hour, removing
// nothing. Referenced files are now skipped and everything else goes.
func TestCleanSkipsReferencedFilesAndRemovesTheRest(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		svc := media.NewService(s, media.Folder{Dir: dir}, 1<<20, zerolog.Nop())
		svc.Now = func() time.Time { return now }
		export := func(content string) *model.Media {
			m, err := svc.SaveGenerated(ctx, "stock.csv", "text/csv", strings.NewReader(content), now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		// The referenced exports come first, so a clean-up that stops at
		// the first failure removes nothing.
		attached, shown := export("attached\n"), export("shown\n")
		c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "c"})
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.CreateGoods(ctx, model.GoodsInput{Name: "g", CategoryID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := model.ParseQuantity("1")
		doc, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase,
			Lines: []*model.StockInLineInput{{GoodsID: g.ID, Quantity: q}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, "INSERT INTO stock_in_attachments (stock_in_id, media_id, position) VALUES (?, ?, 0)", doc.ID, attached.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, "UPDATE goods SET image_id = ? WHERE id = ?", shown.ID, g.ID); err != nil {
			t.Fatal(err)
		}
		expired := export("expired\n")
		oldUpload, err := svc.Save(ctx, "a.png", strings.NewReader("\x89PNG\r\n\x1a\n"+strings.Repeat("x", 100)))
		if err != nil {
			t.Fatal(err)
		}

		svc.Now = func() time.Time { return now.Add(30 * time.Hour) }
		n, failed, err := svc.Clean(ctx)
		if err != nil || n != 2 || failed != 0 {
			t.Fatalf("cleaned %d, %d failed (%v); want the expired export and the old upload removed, nothing failed", n, failed, err)
		}
		for _, m := range []*model.Media{expired, oldUpload} {
			if _, err := s.Media(ctx, m.ID); model.ErrorCode(err) != model.CodeNotFound {
				t.Errorf("stale media %d is still there: %v", m.ID, err)
			}
			if stored(dir, m) {
				t.Errorf("the bytes of stale media %d are still stored", m.ID)
			}
		}
		for _, m := range []*model.Media{attached, shown} {
			if _, err := s.Media(ctx, m.ID); err != nil {
				t.Errorf("referenced media %d was removed: %v", m.ID, err)
			}
			if !stored(dir, m) {
				t.Errorf("the bytes of referenced media %d were removed", m.ID)
			}
		}
		// And the next run finds nothing to do, rather than failing again.
		if n, failed, err := svc.Clean(ctx); n != 0 || failed != 0 || err != nil {
			t.Errorf("second clean-up: %d removed, %d failed, %v", n, failed, err)
		}
	})
}

// A file whose bytes cannot be removed is logged and counted, and the
// clean-up goes on with the others.
func TestCleanCarriesOnPastAFailure(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		store := &stubbornFolder{Folder: media.Folder{Dir: dir}}
		var logged strings.Builder
		svc := media.NewService(s, store, 1<<20, zerolog.New(&logged))
		svc.Now = func() time.Time { return now }
		var ms []*model.Media
		for i := range 5 {
			m, err := svc.SaveGenerated(ctx, "r.csv", "text/csv", strings.NewReader(strings.Repeat("r", i+1)), now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		store.keep = ms[1].Key
		svc.Now = func() time.Time { return now.Add(2 * time.Hour) }
		n, failed, err := svc.Clean(ctx)
		if err != nil || n != 4 || failed != 1 {
			t.Fatalf("cleaned %d, %d failed (%v); want 4 and 1", n, failed, err)
		}
		for i, m := range ms {
			if i != 1 && stored(dir, m) {
				t.Errorf("media %d: bytes still stored", m.ID)
			}
		}
		if !strings.Contains(logged.String(), "carrying on") {
			t.Errorf("the failure was not logged: %s", logged.String())
		}
	})
}

// stubbornFolder is a Folder that cannot delete one key.
type stubbornFolder struct {
	media.Folder
	keep string
}

func (f *stubbornFolder) Delete(ctx context.Context, key string) error {
	if key == f.keep {
		return &os.PathError{Op: "remove", Path: key, Err: syscall.EBUSY}
	}
	return f.Folder.Delete(ctx, key)
}

func stored(dir string, m *model.Media) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(m.Key)))
	return err == nil
}
