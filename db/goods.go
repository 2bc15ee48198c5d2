package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"wms/model"
)

var goodsOrders = map[model.GoodsOrder]listOrder{
	model.GoodsOrderNameAsc:       {name: "NAME_ASC", cols: []sortCol{{"g.name_key", kindString}, {"g.id", kindInt}}},
	model.GoodsOrderNameDesc:      {name: "NAME_DESC", desc: true, cols: []sortCol{{"g.name_key", kindString}, {"g.id", kindInt}}},
	model.GoodsOrderCreatedAtAsc:  {name: "CREATED_AT_ASC", cols: []sortCol{{"g.created_at", kindTime}, {"g.id", kindInt}}},
	model.GoodsOrderCreatedAtDesc: {name: "CREATED_AT_DESC", desc: true, cols: []sortCol{{"g.created_at", kindTime}, {"g.id", kindInt}}},
}

func goodsKeys(ord listOrder) func(*model.Goods) []any {
	if ord.cols[0].kind == kindTime {
		return func(g *model.Goods) []any { return []any{g.CreatedAt, g.ID} }
	}
	return func(g *model.Goods) []any { return []any{g.NameKey, g.ID} }
}

// goodsWhere applies a goods filter to a query over goods aliased g.
func goodsWhere(q *bun.SelectQuery, f model.GoodsFilter) *bun.SelectQuery {
	if f.Search != "" {
		q = q.Where("g.search_text LIKE ? ESCAPE '!'", likeContains(f.Search))
	}
	if f.CategoryID != nil {
		q = q.Where("g.category_id = ?", *f.CategoryID)
	}
	if !f.IncludeArchived {
		q = q.Where("g.archived = FALSE")
	}
	return q
}

// GoodsList lists goods, by name unless asked otherwise; archived goods only
// when asked. It reads what f.Read asks for.
func (s *Store) GoodsList(ctx context.Context, f model.GoodsFilter, p model.PageArgs) (*model.Page[*model.Goods], error) {
	ord, ok := goodsOrders[f.OrderBy]
	if !ok {
		ord = goodsOrders[model.GoodsOrderNameAsc]
	}
	return s.goodsList(ord, f.Read, func(q *bun.SelectQuery) *bun.SelectQuery { return goodsWhere(q, f) }).page(ctx, p)
}

// goodsList is a list of goods in order ord, filtered by where, reading what
// read asks for (goodsscan.go). It is counted over goods alone: every filter
// is on the goods row.
func (s *Store) goodsList(ord listOrder, read model.GoodsRead, where func(*bun.SelectQuery) *bun.SelectQuery) list[model.Goods] {
	return list[model.Goods]{
		base: func() *bun.SelectQuery { return where(s.db.NewSelect().TableExpr("goods AS g")) },
		rows: func(ctx context.Context, q *bun.SelectQuery, size int) ([]*model.Goods, error) {
			gs := newGoodsScan(s.db, read, ord)
			return gs.scan(ctx, gs.query(q), size)
		},
		ord:  ord,
		keys: goodsKeys(ord),
	}
}

// Goods returns one goods, archived or not, or NOT_FOUND.
func (s *Store) Goods(ctx context.Context, id int64) (*model.Goods, error) {
	g := new(model.Goods)
	if err := s.db.NewSelect().Model(g).Relation("Category").Where("g.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("goods", id))
	}
	return g, nil
}

// GoodsByIDs returns the goods with these ids, in no order.
func (s *Store) GoodsByIDs(ctx context.Context, ids []int64) ([]*model.Goods, error) {
	var gs []*model.Goods
	err := s.db.NewSelect().Model(&gs).Relation("Category").Where("g.id IN (?)", bun.List(ids)).Scan(ctx)
	return gs, err
}

// goodsColumns are the columns createGoods and updateGoods write; the stock
// columns belong to stock movements alone.
var goodsColumns = []string{"name", "name_key", "category_id", "unit", "sku", "barcode",
	"low_stock_threshold", "note", "image_id", "archived", "search_text", "tracks_expiry", "issue_policy", "updated_at"}

// CreateGoods adds goods to an existing category.
func (s *Store) CreateGoods(ctx context.Context, in model.GoodsInput) (*model.Goods, error) {
	g, err := model.NewGoods(in)
	if err != nil {
		return nil, err
	}
	g.CreatedAt = s.now()
	g.UpdatedAt = g.CreatedAt
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.checkGoodsRefs(ctx, tx, g); err != nil {
			return err
		}
		if g.ImageID != nil {
			if err := checkGoodsImage(ctx, tx, *g.ImageID); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(g).Exec(ctx); err != nil {
			return err
		}
		if err := setPacks(ctx, tx, g.ID, in.Packs); err != nil {
			return err
		}
		return writeEvent(ctx, tx, model.NewEvent(model.EventGoodsChanged, g.CreatedAt, &model.GoodsEvent{GoodsID: idText(g.ID), Change: "CREATED"}))
	})
	if err != nil {
		return nil, goodsWriteError(err, g)
	}
	return g, nil
}

// setPacks replaces a goods' packs.
func setPacks(ctx context.Context, tx bun.Tx, goodsID int64, in []*model.PackInput) error {
	packs, err := model.Packs(in)
	if err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*model.Pack)(nil)).Where("goods_id = ?", goodsID).Exec(ctx); err != nil {
		return err
	}
	if len(packs) == 0 {
		return nil
	}
	for _, p := range packs {
		p.GoodsID = goodsID
	}
	_, err = tx.NewInsert().Model(&packs).Exec(ctx)
	return err
}

// PacksByGoods returns the packs of these goods, in their order.
func (s *Store) PacksByGoods(ctx context.Context, goodsIDs []int64) (map[int64][]*model.Pack, error) {
	return packsOf(ctx, s.db, goodsIDs)
}

func packsOf(ctx context.Context, db bun.IDB, goodsIDs []int64) (map[int64][]*model.Pack, error) {
	var ps []*model.Pack
	err := db.NewSelect().Model(&ps).Where("gp.goods_id IN (?)", bun.List(goodsIDs)).OrderExpr("gp.goods_id, gp.position").Scan(ctx)
	m := make(map[int64][]*model.Pack, len(goodsIDs))
	for _, p := range ps {
		m[p.GoodsID] = append(m[p.GoodsID], p)
	}
	return m, err
}

// UpdateGoods changes the fields of u that are set.
func (s *Store) UpdateGoods(ctx context.Context, u model.GoodsUpdate) (*model.Goods, error) {
	var g *model.Goods
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g = new(model.Goods)
		if err := forUpdate(tx.NewSelect().Model(g).Where("g.id = ?", u.ID)).Scan(ctx); err != nil {
			return notFound(err, model.NotFound("goods", u.ID))
		}
		before, threshold := g.CategoryID, g.LowStockThreshold
		if err := g.Apply(u); err != nil {
			return err
		}
		if err := s.checkGoodsRefs(ctx, tx, g); err != nil {
			return err
		}
		// Only a new image is checked: goods keep whatever they had.
		if u.ImageID.Set && u.ImageID.Value != nil {
			if err := checkGoodsImage(ctx, tx, *u.ImageID.Value); err != nil {
				return err
			}
		}
		g.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(g).Column(goodsColumns...).WherePK().Exec(ctx); err != nil {
			return err
		}
		if u.Packs.Set {
			var packs []*model.PackInput
			if u.Packs.Value != nil {
				packs = *u.Packs.Value
			}
			if err := setPacks(ctx, tx, g.ID, packs); err != nil {
				return err
			}
		}
		events := []*model.Event{model.NewEvent(model.EventGoodsChanged, g.UpdatedAt, &model.GoodsEvent{GoodsID: idText(g.ID), Change: "UPDATED"})}
		if low(threshold, g.OnHand) != low(g.LowStockThreshold, g.OnHand) {
			t := model.EventBackInStock
			if low(g.LowStockThreshold, g.OnHand) {
				t = model.EventLowStock
			}
			events = append(events, model.NewEvent(t, g.UpdatedAt, &model.StockChange{GoodsID: idText(g.ID), OnHand: g.OnHand,
				Value: g.StockValue, Threshold: g.LowStockThreshold}))
		}
		if _, err := tx.NewInsert().Model(&events).Exec(ctx); err != nil {
			return err
		}
		if g.CategoryID != before {
			// The ledger keeps each entry's category for its filter: it
			// moves with the goods.
			_, err := tx.NewUpdate().Model((*model.LedgerEntry)(nil)).Set("category_id = ?", g.CategoryID).
				Where("goods_id = ?", g.ID).Exec(ctx)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, goodsWriteError(err, g)
	}
	return g, nil
}

// ArchiveGoods hides goods from lists (or shows them again); its history stays.
func (s *Store) ArchiveGoods(ctx context.Context, id int64, archived bool) (*model.Goods, error) {
	return s.UpdateGoods(ctx, model.GoodsUpdate{ID: id, Archived: model.To(archived)})
}

// DeleteGoods removes goods that have no stock history; goods with history
// are a CONFLICT and can be archived instead.
func (s *Store) DeleteGoods(ctx context.Context, id int64) error {
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g := new(model.Goods)
		if err := forUpdate(tx.NewSelect().Model(g).Where("g.id = ?", id)).Scan(ctx); err != nil {
			return notFound(err, model.NotFound("goods", id))
		}
		has, err := goodsHasHistory(ctx, tx, id)
		if err != nil {
			return err
		}
		if has {
			return goodsHasHistoryError(g.Name)
		}
		if _, err := tx.NewDelete().Model((*model.Pack)(nil)).Where("goods_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if _, err = tx.NewDelete().Model(g).WherePK().Exec(ctx); err != nil {
			return err
		}
		return writeEvent(ctx, tx, model.NewEvent(model.EventGoodsChanged, s.now(), &model.GoodsEvent{GoodsID: idText(id), Change: "DELETED"}))
	})
	if isForeignKeyViolation(err) {
		return goodsHasHistoryError(fmt.Sprint(id))
	}
	if err != nil {
		return fmt.Errorf("delete goods %d: %w", id, err)
	}
	return nil
}

func goodsHasHistoryError(name string) error {
	return model.Conflict("goods %q has stock history and cannot be deleted; archive it instead", name)
}

// goodsHasHistory is the one place that decides whether goods have a stock
// history, and so may only be archived, never deleted.
// Every stock movement writes ledger entries, so the ledger is the history.
func goodsHasHistory(ctx context.Context, tx bun.IDB, goodsID int64) (bool, error) {
	return tx.NewSelect().Model((*model.LedgerEntry)(nil)).Where("le.goods_id = ?", goodsID).Exists(ctx)
}

// checkGoodsRefs checks that g's category exists, so a bad id is a clear
// BAD_USER_INPUT rather than a foreign key error, and attaches it to g.
func (s *Store) checkGoodsRefs(ctx context.Context, tx bun.Tx, g *model.Goods) error {
	c := new(model.Category)
	if err := tx.NewSelect().Model(c).Where("c.id = ?", g.CategoryID).Scan(ctx); err != nil {
		return notFound(err, model.Invalid("categoryId", "category %d does not exist", g.CategoryID))
	}
	g.Category = c
	return nil
}

// checkGoodsImage checks that the media chosen as a goods image exists and
// may be one (model.Media.CheckImage): an upload, never an expiring export
// the clean-up would have to remove from under the goods.
func checkGoodsImage(ctx context.Context, tx bun.Tx, id int64) error {
	m := new(model.Media)
	if err := tx.NewSelect().Model(m).Where("m.id = ?", id).Scan(ctx); err != nil {
		return notFound(err, model.Invalid("imageId", "media %d does not exist", id))
	}
	return m.CheckImage("imageId")
}

// goodsWriteError names the constraint a failed goods write broke.
func goodsWriteError(err error, g *model.Goods) error {
	switch {
	case isUniqueViolation(err):
		sku := ""
		if g != nil && g.SKU != nil {
			sku = *g.SKU
		}
		return &model.Error{Code: model.CodeConflict, Field: "sku",
			Message: fmt.Sprintf("another goods already has SKU %q", sku)}
	case isForeignKeyViolation(err):
		return model.Invalid("categoryId", "the category does not exist")
	case err != nil:
		return fmt.Errorf("write goods: %w", err)
	}
	return nil
}

// low reports on hand at or below a threshold (never without one).
func low(threshold *model.Quantity, onHand model.Quantity) bool {
	return threshold != nil && threshold.Readable() && onHand <= *threshold
}
