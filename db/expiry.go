package db

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

var expiringOrder = listOrder{name: "EXPIRY", cols: []sortCol{{"l.expires_at", kindTime}, {"l.id", kindInt}}}

func expiringKeys(l *model.Lot) []any { return []any{*l.ExpiresAt, l.ID} }

func (s *Store) expiringBase(f model.ExpiringFilter) func() *bun.SelectQuery {
	return func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.Lot)(nil)).Where("l.depleted = FALSE").
			Where("l.expires_at IS NOT NULL").Where("l.expires_at < ?", f.Before.UTC())
		if f.LocationID != nil {
			q = q.Where("l.location_id = ?", *f.LocationID)
		}
		if f.CategoryID != nil {
			q = q.Where("l.goods_id IN (SELECT fg.id FROM goods AS fg WHERE fg.category_id = ?)", *f.CategoryID)
		}
		return q
	}
}

// ExpiringLots lists the lots with something left that expire before
// f.Before, soonest first.
func (s *Store) ExpiringLots(ctx context.Context, f model.ExpiringFilter, p model.PageArgs) (*model.Page[*model.Lot], error) {
	return page(ctx, s.expiringBase(f), p, expiringOrder, expiringKeys)
}

// EachExpiringLot reads ExpiringLots whole, for a report.
func (s *Store) EachExpiringLot(ctx context.Context, f model.ExpiringFilter, fn func([]*model.Lot) error) error {
	return each(ctx, s.expiringBase(f), expiringOrder, expiringKeys, fn)
}

// ExpiryKey names the stock ExpiryOf looks at: one goods at one location,
// or (location 0) everywhere.
type ExpiryKey struct {
	GoodsID, LocationID int64
}

// ExpiryOf answers, for each key, the earliest expiry among the lots with
// something left and how much of them has expired at now — one query per
// location among the keys.
func (s *Store) ExpiryOf(ctx context.Context, keys []ExpiryKey, now time.Time) (map[ExpiryKey]*model.Expiry, error) {
	byLoc := map[int64][]int64{}
	for _, k := range keys {
		byLoc[k.LocationID] = append(byLoc[k.LocationID], k.GoodsID)
	}
	out := make(map[ExpiryKey]*model.Expiry, len(keys))
	for loc, ids := range byLoc {
		slices.Sort(ids)
		var rows []struct {
			GoodsID int64          `bun:"goods_id"`
			Next    *time.Time     `bun:"next"`
			Expired model.Quantity `bun:"expired"`
		}
		q := s.db.NewSelect().Model((*model.Lot)(nil)).
			ColumnExpr("l.goods_id, MIN(l.expires_at) AS next").
			ColumnExpr("COALESCE(SUM(CASE WHEN l.expires_at < ? THEN l.remaining ELSE 0 END), 0) AS expired", now.UTC()).
			Where("l.goods_id IN (?)", bun.List(slices.Compact(ids))).Where("l.depleted = FALSE").Group("l.goods_id")
		if loc != 0 {
			q = q.Where("l.location_id = ?", loc)
		}
		if err := q.Scan(ctx, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[ExpiryKey{r.GoodsID, loc}] = &model.Expiry{Next: r.Next, Expired: r.Expired}
		}
	}
	return out, nil
}

// WriteOffExpired takes exactly the expired lots at a location — those with
// something left whose expiry is before `before` (default now), not FIFO —
// out of stock in one EXPIRED stock-out, each lot a line naming it; nil when
// nothing has expired.
func (s *Store) WriteOffExpired(ctx context.Context, in model.WriteOffInput) (*model.StockOut, error) {
	now := s.now()
	before := now
	if in.Before != nil {
		before = in.Before.UTC()
	}
	note, err := model.Note("note", in.Note, model.NoteMax)
	if err != nil {
		return nil, err
	}
	key, err := model.OptionalText("idempotencyKey", in.IdempotencyKey, model.IdempotencyKeyMax)
	if err != nil {
		return nil, err
	}
	loc, err := s.documentLocation(ctx, in.LocationID, "locationId", false)
	if err != nil {
		return nil, err
	}
	doc := &model.StockOut{Reason: model.StockOutExpired, LocationID: loc, OccurredAt: now, Note: note, IdempotencyKey: key,
		IdempotencyScope: model.IdempotencyScope(ctx),
		RequestHash:      writeOffHash(loc, before, note)}
	if key != nil {
		if prev, err := s.replayStockOut(ctx, doc); prev != nil || err != nil {
			return prev, err
		}
	}
	f := model.ExpiringFilter{Before: before, LocationID: &loc}
	var goods []int64
	if err := s.expiringBase(f)().Column("l.goods_id").Distinct().Scan(ctx, &goods); err != nil {
		return nil, err
	}
	if len(goods) == 0 {
		return nil, nil
	}
	var wrote bool
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		doc.ID, doc.Code, doc.CreatedAt, doc.CreatedBy, wrote = 0, "", s.now(), model.ActorFrom(ctx), false
		run, err := s.startRun(ctx, tx, goods)
		if err != nil {
			return err
		}
		if err := run.readLots(ctx, loc); err != nil {
			return err
		}
		// The expired lots as they are under the goods' locks.
		var lines []*model.StockOutLine
		for _, g := range slices.Sorted(slices.Values(goods)) {
			lots := slices.Clone(run.fifo[stockKey{g, loc}])
			slices.SortFunc(lots, func(a, b *model.Lot) int { return cmp.Compare(a.ID, b.ID) })
			for _, l := range lots {
				if l.ExpiresAt != nil && l.ExpiresAt.Before(before) && l.Remaining > 0 {
					id := l.ID
					lines = append(lines, &model.StockOutLine{Line: len(lines) + 1, GoodsID: g, Quantity: l.Remaining, LotID: &id})
				}
			}
		}
		if len(lines) == 0 {
			return nil
		}
		// One document holds at most 500 lines: the rest is for the next
		// write-off.
		if len(lines) > model.DocumentLinesMax {
			lines = lines[:model.DocumentLinesMax]
		}
		wrote = true
		if err := run.stockOut(ctx, doc, lines, model.KindExpired, entryTag{}); err != nil {
			return err
		}
		return run.finish(ctx)
	})
	if err != nil {
		return documentError(err, "stock-out", doc.Code, doc.IdempotencyKey, func() (*model.StockOut, error) {
			return s.replayStockOut(ctx, doc)
		})
	}
	if !wrote {
		return nil, nil
	}
	return doc, nil
}

// writeOffHash fingerprints a write-off request, as requestHash does a
// document's input.
func writeOffHash(loc int64, before time.Time, note *string) string {
	n := ""
	if note != nil {
		n = *note
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("writeOffExpired\x00%d\x00%s\x00%s", loc, before.Format(time.RFC3339Nano), n)))
	return hex.EncodeToString(sum[:])
}
