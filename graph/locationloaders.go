package graph

import (
	"context"

	"wms/db"
	"wms/model"
)

// The loaders of locations and transfers, and what each announces for the
// level below it, as for the stock loaders: a page of transfers with lines,
// allocations, lots and locations costs one query per level.

func (l *Loaders) newLocationLoaders(s *db.Store) {
	l.Location = NewLoader(s.LocationsByIDs)
	l.Transfer = NewLoader(func(ctx context.Context, ids []int64) (map[int64]*model.Transfer, error) {
		m, err := s.TransfersByIDs(ctx, ids)
		for _, d := range m {
			l.expectTransfer(d)
		}
		return m, err
	})
	l.TransferLines = NewLoader(func(ctx context.Context, ids []int64) (map[int64][]*model.TransferLine, error) {
		m, err := s.TransferLines(ctx, ids)
		for id, lines := range m {
			l.TransferAllocations.Expect(id)
			for _, line := range lines {
				l.Goods.Expect(line.GoodsID)
			}
		}
		return m, err
	})
	l.TransferAllocations = NewLoader(func(ctx context.Context, ids []int64) (map[int64]map[int][]*model.TransferAllocation, error) {
		byLine, err := s.TransferAllocations(ctx, ids)
		m := make(map[int64]map[int][]*model.TransferAllocation, len(ids))
		for k, as := range byLine {
			if m[k.TransferID] == nil {
				m[k.TransferID] = map[int][]*model.TransferAllocation{}
			}
			m[k.TransferID][k.Line] = as
			for _, a := range as {
				l.Lot.Expect(a.LotID, a.ToLotID)
			}
		}
		return m, err
	})
	l.ByLocation = NewLoader(func(ctx context.Context, ids []int64) (map[int64][]*model.LocationStock, error) {
		m, err := s.StockByLocation(ctx, ids)
		for _, levels := range m {
			for _, lv := range levels {
				l.Location.Expect(lv.LocationID)
			}
		}
		return m, err
	})
	l.Stocktake = NewLoader(func(ctx context.Context, ids []int64) (map[int64]*model.Stocktake, error) {
		m, err := s.StocktakesByIDs(ctx, ids)
		for _, st := range m {
			l.expectStocktake(st)
		}
		return m, err
	})
	l.Adjustment = NewLoader(s.AdjustmentsByIDs)
	l.StocktakeCounts = NewLoader(s.StocktakeCounts)
	l.Packs = NewLoader(s.PacksByGoods)
	l.Expiry = NewLoader(func(ctx context.Context, keys []db.ExpiryKey) (map[db.ExpiryKey]*model.Expiry, error) {
		return s.ExpiryOf(ctx, keys, s.Now())
	})
	l.UserLocations = NewLoader(func(ctx context.Context, ids []int64) (map[int64][]int64, error) {
		m, err := s.UserLocationIDs(ctx, ids)
		for _, locs := range m {
			l.Location.Expect(locs...)
		}
		return m, err
	})
}

// expectTransfer announces what the fields of a transfer will load.
func (l *Loaders) expectTransfer(d *model.Transfer) {
	l.TransferLines.Expect(d.ID)
	l.Location.Expect(d.FromLocationID, d.ToLocationID)
	if d.CreatedBy != nil {
		l.User.Expect(*d.CreatedBy)
	}
}

// expectTransfers announces the lines and locations of a page of transfers.
func (l *Loaders) expectTransfers(docs []*model.Transfer) {
	for _, d := range docs {
		l.expectTransfer(d)
	}
	l.Transfer.Prime(byID(docs, func(d *model.Transfer) int64 { return d.ID }))
}

// expectStocktake announces what the fields of a stocktake will load.
func (l *Loaders) expectStocktake(st *model.Stocktake) {
	l.StocktakeCounts.Expect(st.ID)
	l.Location.Expect(st.LocationID)
	for _, u := range []*int64{st.StartedBy, st.AppliedBy} {
		if u != nil {
			l.User.Expect(*u)
		}
	}
	if st.StockInID != nil {
		l.StockIn.Expect(*st.StockInID)
	}
	if st.StockOutID != nil {
		l.StockOut.Expect(*st.StockOutID)
	}
}

// expectStocktakes announces the fields of a page of stocktakes.
func (l *Loaders) expectStocktakes(sts []*model.Stocktake) {
	for _, st := range sts {
		l.expectStocktake(st)
	}
	l.Stocktake.Prime(byID(sts, func(d *model.Stocktake) int64 { return d.ID }))
}

// expiryKey is the Expiry loader's key of a stock level.
func expiryKey(lvl *model.StockLevel) db.ExpiryKey {
	k := db.ExpiryKey{GoodsID: lvl.Goods.ID}
	if lvl.LocationID != nil {
		k.LocationID = *lvl.LocationID
	}
	return k
}

// ptrTo is a pointer to v.
func ptrTo[T any](v T) *T { return &v }
