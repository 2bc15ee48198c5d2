package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// CreateMedia records a stored file.
func (s *Store) CreateMedia(ctx context.Context, m *model.Media) error {
	_, err := s.db.NewInsert().Model(m).Exec(ctx)
	return err
}

// Media returns one media record, or NOT_FOUND.
func (s *Store) Media(ctx context.Context, id int64) (*model.Media, error) {
	m := new(model.Media)
	if err := s.db.NewSelect().Model(m).Where("m.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("media", id))
	}
	return m, nil
}

// MediaByIDs returns the media with these ids.
func (s *Store) MediaByIDs(ctx context.Context, ids []int64) (map[int64]*model.Media, error) {
	var ms []*model.Media
	err := s.db.NewSelect().Model(&ms).Where("m.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ms, func(m *model.Media) int64 { return m.ID }), err
}

// Attachments returns the media attached to these stock-ins, in order.
func (s *Store) Attachments(ctx context.Context, stockInIDs []int64) (map[int64][]*model.Media, error) {
	var rows []struct {
		StockInID int64 `bun:"stock_in_id"`
		model.Media
	}
	err := s.db.NewSelect().TableExpr("stock_in_attachments AS sa").
		ColumnExpr("sa.stock_in_id").ColumnExpr("m.*").
		Join("JOIN media AS m ON m.id = sa.media_id").
		Where("sa.stock_in_id IN (?)", bun.List(stockInIDs)).
		OrderExpr("sa.stock_in_id, sa.position").Scan(ctx, &rows)
	out := make(map[int64][]*model.Media, len(stockInIDs))
	for i := range rows {
		out[rows[i].StockInID] = append(out[rows[i].StockInID], &rows[i].Media)
	}
	return out, err
}

// mediaUnreferenced is the condition that nothing refers to the media whose
// id is the column id: no goods shows it and no stock-in has it attached.
func mediaUnreferenced(id string) string {
	return "NOT EXISTS (SELECT 1 FROM goods AS rg WHERE rg.image_id = " + id + ")" +
		" AND NOT EXISTS (SELECT 1 FROM stock_in_attachments AS ra WHERE ra.media_id = " + id + ")"
}

// StaleMedia returns media to clean up, by id after afterID: uploads created
// before olderThan and exports expired by now, of which nothing refers to
// either. A referenced file is never stale: an export that was made a goods
// image or an attachment (the API no longer allows it) stays.
func (s *Store) StaleMedia(ctx context.Context, olderThan, now time.Time, afterID int64, limit int) ([]*model.Media, error) {
	var ms []*model.Media
	err := s.db.NewSelect().Model(&ms).
		Where("m.id > ?", afterID).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("m.kind = ? AND m.created_at < ?", model.MediaUpload, olderThan).
				WhereOr("m.expires_at IS NOT NULL AND m.expires_at < ?", now)
		}).
		Where(mediaUnreferenced("m.id")).
		OrderExpr("m.id").Limit(int64(limit)).Scan(ctx)
	return ms, err
}

// DeleteMedia removes a media record unless something has come to refer to
// it since it was found stale (deleted is then false), and reports whether
// another record still uses its stored bytes (identical files share them).
func (s *Store) DeleteMedia(ctx context.Context, m *model.Media) (deleted, keyInUse bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().TableExpr("media").Where("id = ?", m.ID).
			Where(mediaUnreferenced("media.id")).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		deleted = n > 0
		keyInUse, err = mediaKeyInUse(ctx, tx, m.Key)
		return err
	})
	return deleted, keyInUse, err
}

// MediaKeyInUse reports whether any media record uses the stored bytes under key.
func (s *Store) MediaKeyInUse(ctx context.Context, key string) (bool, error) {
	return mediaKeyInUse(ctx, s.db, key)
}

func mediaKeyInUse(ctx context.Context, q bun.IDB, key string) (bool, error) {
	return q.NewSelect().Model((*model.Media)(nil)).Where("m.storage_key = ?", key).Exists(ctx)
}

// StoredObjects lists the stored bytes every media record refers to, once
// per key, in key order: what a backup or a move of the store must carry.
func (s *Store) StoredObjects(ctx context.Context) ([]model.StoredObject, error) {
	var objs []model.StoredObject
	err := s.db.NewSelect().Model((*model.Media)(nil)).
		ColumnExpr("m.storage_key AS key, MIN(m.sha256) AS sha256, MIN(m.size) AS size").
		Group("m.storage_key").Order("m.storage_key").Scan(ctx, &objs)
	return objs, err
}
