package db_test

import (
	"context"
	"sync"
	"testing"

	"wms/db"
	"wms/db/dbtest"
)

// A setting is made once: later calls, and calls from replicas racing on a
// fresh database, all answer the value first stored.
func TestSettingIsMadeOnceAndShared(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		values := make([]string, 8)
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range values {
			wg.Go(func() {
				values[i], errs[i] = s.Setting(ctx, "media_signing_key", func() (string, error) {
					return string(rune('a' + i)), nil
				})
			})
		}
		wg.Wait()
		for i := range values {
			if errs[i] != nil || values[i] != values[0] || values[0] == "" {
				t.Fatalf("racing makers answered %q (%v)", values, errs)
			}
		}
		again, err := s.Setting(ctx, "media_signing_key", func() (string, error) { return "other", nil })
		if err != nil || again != values[0] {
			t.Errorf("again: %q %v, want %q", again, err, values[0])
		}
	})
}
