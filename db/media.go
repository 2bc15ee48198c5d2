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

// StaleMedia returns media to clean up: uploads referenced by nothing and
// created before olderThan, and exports expired by now.
func (s *Store) StaleMedia(ctx context.Context, olderThan, now time.Time, limit int) ([]*model.Media, error) {
	var ms []*model.Media
	err := s.db.NewSelect().Model(&ms).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("m.kind = ? AND m.created_at < ?", model.MediaUpload, olderThan).
					Where("NOT EXISTS (SELECT 1 FROM goods AS rg WHERE rg.image_id = m.id)").
					Where("NOT EXISTS (SELECT 1 FROM stock_in_attachments AS ra WHERE ra.media_id = m.id)")
			}).WhereOr("m.expires_at IS NOT NULL AND m.expires_at < ?", now)
		}).
		OrderExpr("m.id").Limit(int64(limit)).Scan(ctx)
	return ms, err
}

// DeleteMedia removes a media record and reports whether another record
// still uses its stored bytes (identical files share them).
func (s *Store) DeleteMedia(ctx context.Context, m *model.Media) (keyInUse bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*model.Media)(nil)).Where("id = ?", m.ID).Exec(ctx); err != nil {
			return err
		}
		keyInUse, err = tx.NewSelect().Model((*model.Media)(nil)).Where("m.storage_key = ?", m.Key).Exists(ctx)
		return err
	})
	return keyInUse, err
}
