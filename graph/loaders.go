package graph

import (
	"context"

	"wms/db"
	"wms/model"
)

// Loaders are the per-request loaders of the nested fields; see Loader for how
// they batch without waiting.
type Loaders struct {
	GoodsCount *Loader[int64, int]
	Goods      *Loader[int64, *model.Goods]
	User       *Loader[int64, *model.User]
	Media      *Loader[int64, *model.Media]
	// Attachments is keyed by stock-in id.
	Attachments *Loader[int64, []*model.Media]

	Lot           *Loader[int64, *model.Lot]
	StockIn       *Loader[int64, *model.StockIn]
	StockOut      *Loader[int64, *model.StockOut]
	StockInLines  *Loader[int64, []*model.Lot]
	StockOutLines *Loader[int64, []*model.StockOutLine]
	// Allocations is keyed by stock-out id: every line's allocations at once.
	Allocations *Loader[int64, map[int][]*model.Allocation]

	Location      *Loader[int64, *model.Location]
	Transfer      *Loader[int64, *model.Transfer]
	TransferLines *Loader[int64, []*model.TransferLine]
	// TransferAllocations is keyed by transfer id: every line's at once.
	TransferAllocations *Loader[int64, map[int][]*model.TransferAllocation]
	// ByLocation is keyed by goods id: the goods' stock at each location.
	ByLocation *Loader[int64, []*model.LocationStock]
	// UserLocations is keyed by user id: the locations the user is limited to.
	UserLocations *Loader[int64, []int64]

	Stocktake  *Loader[int64, *model.Stocktake]
	Adjustment *Loader[int64, *model.StockAdjustment]
	// StocktakeCounts is keyed by stocktake id: its counted and uncounted lines.
	StocktakeCounts *Loader[int64, [2]int]
	// Packs is keyed by goods id.
	Packs *Loader[int64, []*model.Pack]
	// Expiry is keyed by goods and location (0: every location).
	Expiry *Loader[db.ExpiryKey, *model.Expiry]
}

type loadersKey struct{}

func newLoaders(s *db.Store) *Loaders {
	l := &Loaders{}
	l.GoodsCount = NewLoader(s.GoodsCounts)
	l.Goods = NewLoader(func(ctx context.Context, ids []int64) (map[int64]*model.Goods, error) {
		gs, err := s.GoodsByIDs(ctx, ids)
		l.expectGoods(gs)
		return byID(gs, func(g *model.Goods) int64 { return g.ID }), err
	})
	l.User = NewLoader(s.UsersByIDs)
	l.Media = NewLoader(s.MediaByIDs)
	l.Attachments = NewLoader(s.Attachments)
	l.newStockLoaders(s)
	l.newLocationLoaders(s)
	return l
}

// expectGoods announces what the fields of these goods will load. Goods of
// a list that did not read their category or image (model.GoodsRead) have
// neither to announce.
func (l *Loaders) expectGoods(gs []*model.Goods) {
	for _, g := range gs {
		if g.CategoryID != 0 {
			l.GoodsCount.Expect(g.CategoryID)
		}
		if g.ImageID != nil {
			l.Media.Expect(*g.ImageID)
		}
		l.Packs.Expect(g.ID)
	}
}

// expectCategories announces what the fields of these categories will load.
func (l *Loaders) expectCategories(cs []*model.Category) {
	for _, c := range cs {
		l.GoodsCount.Expect(c.ID)
	}
}

func withLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loaders returns the request's loaders.
func loaders(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

func byID[T any](items []T, id func(T) int64) map[int64]T {
	m := make(map[int64]T, len(items))
	for _, it := range items {
		m[id(it)] = it
	}
	return m
}
