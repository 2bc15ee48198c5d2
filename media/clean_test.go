package media_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
		n, err := svc.Clean(ctx)
		if err != nil || n != 3 {
			t.Fatalf("cleaned %d (%v), want 3: the unused old uploads and the expired export", n, err)
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
