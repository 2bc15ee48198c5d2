package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// loginFailure is a row of login_failures.
type loginFailure struct {
	bun.BaseModel `bun:"table:login_failures,alias:lf"`

	Key      string    `bun:"limit_key,pk"`
	Failures int       `bun:"failures,notnull"`
	LastAt   time.Time `bun:"last_at,notnull"`
}

// LoginFailures returns the failures recorded under each key that has any
// still counting at now (within model.LoginFailWindow of the last one).
func (s *Store) LoginFailures(ctx context.Context, keys []string, now time.Time) (map[string]model.LoginFailures, error) {
	var rows []loginFailure
	err := s.db.NewSelect().Model(&rows).Where("lf.limit_key IN (?)", bun.In(keys)).
		Where("lf.last_at >= ?", now.Add(-model.LoginFailWindow)).Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]model.LoginFailures, len(rows))
	for _, r := range rows {
		out[r.Key] = model.LoginFailures{Count: r.Failures, Last: r.LastAt}
	}
	return out, nil
}

// RecordLoginFailure counts one more failure under each key, at now — one
// upsert per key, so failures recorded at once by several replicas all
// count. A count whose last failure is older than the window starts again
// at 1. Rows that no longer count are removed on the way.
func (s *Store) RecordLoginFailure(ctx context.Context, keys []string, now time.Time) error {
	now = now.UTC()
	stale := now.Add(-model.LoginFailWindow)
	for _, k := range keys {
		q := s.db.NewInsert().Model(&loginFailure{Key: k, Failures: 1, LastAt: now})
		if isMySQL(s.db) {
			// Assignments run left to right: failures reads the old last_at.
			q = q.On("DUPLICATE KEY UPDATE").
				Set("failures = IF(last_at < ?, 1, failures + 1)", stale).
				Set("last_at = VALUES(last_at)")
		} else {
			q = q.On("CONFLICT (limit_key) DO UPDATE").
				Set("failures = CASE WHEN lf.last_at < ? THEN 1 ELSE lf.failures + 1 END", stale).
				Set("last_at = EXCLUDED.last_at")
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
	}
	_, err := s.db.NewDelete().Model((*loginFailure)(nil)).Where("last_at < ?", stale).Exec(ctx)
	return err
}

// ClearLoginFailures forgets the failures under key (a successful login).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.db.NewDelete().Model((*loginFailure)(nil)).Where("limit_key = ?", key).Exec(ctx)
	return err
}
