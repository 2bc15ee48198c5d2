package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"wms/model"
)

var transferOrder = listOrder{name: "TRANSFER", desc: true, cols: []sortCol{{"tr.occurred_at", kindTime}, {"tr.id", kindInt}}}

// CreateTransfer moves the lines of a transfer from one location to
// another, each from its goods' lots at the source oldest first (FIFO): every
// lot it takes from becomes a lot at the destination with the same unit
// cost, receivedAt and value taken, written with a pair of ledger entries of
// equal amounts (OUT at the source, IN at the destination). A line that
// cannot be served fully fails the whole transfer with INSUFFICIENT_STOCK,
// and nothing changes. The source may be archived; the destination may not.
func (s *Store) CreateTransfer(ctx context.Context, in model.TransferInput) (*model.Transfer, error) {
	packs, err := s.unpackTransfer(ctx, &in)
	if err != nil {
		return nil, err
	}
	doc, lines, err := model.NewTransfer(in, s.now())
	if err != nil {
		return nil, err
	}
	for i, l := range lines {
		l.PackName, l.PackQuantity = packs[i].name, packs[i].count
	}
	if _, err := s.documentLocation(ctx, &doc.FromLocationID, "fromLocationId", false); err != nil {
		return nil, err
	}
	if _, err := s.documentLocation(ctx, &doc.ToLocationID, "toLocationId", true); err != nil {
		return nil, err
	}
	doc.IdempotencyScope = model.IdempotencyScope(ctx)
	need := make(map[int64]model.Quantity, len(lines))
	for _, l := range lines {
		need[l.GoodsID] += l.Quantity
	}
	prev, code, err := startDocument(ctx, s, "transfer", doc.Code, doc.IdempotencyKey,
		func() (*model.Transfer, error) { return s.replayTransfer(ctx, doc) }, transferPrefix, &doc.FromLocationID, need)
	if prev != nil || err != nil {
		return prev, err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		doc.ID, doc.Code, doc.CreatedAt, doc.CreatedBy, doc.TotalAmount = 0, code, s.now(), model.ActorFrom(ctx), 0
		ids := make([]int64, len(lines))
		for i, l := range lines {
			ids[i] = l.GoodsID
		}
		run, err := s.startRun(ctx, tx, ids)
		if err != nil {
			return err
		}
		if err := run.readLots(ctx, doc.FromLocationID); err != nil {
			return err
		}
		var made []*model.Lot
		var pairs []int // for each made lot, the index of its OUT entry
		for i, line := range lines {
			allocs, from, amount, err := run.take(i, line.GoodsID, doc.FromLocationID, line.Quantity)
			if err != nil {
				return err
			}
			line.Amount = amount
			for j, a := range allocs {
				run.entry(&model.LedgerEntry{
					At: doc.OccurredAt, GoodsID: line.GoodsID, LocationID: doc.FromLocationID,
					Direction: model.DirectionOut, Kind: model.KindTransferOut,
					Quantity: -a.Quantity, UnitCost: a.UnitCost, Amount: -a.Amount,
					TransferLine: &line.Line, LotID: a.LotID,
				})
				pairs = append(pairs, len(run.entries)-1)
				made = append(made, &model.Lot{
					StockInID: from[j].StockInID, Line: from[j].Line, GoodsID: line.GoodsID, LocationID: doc.ToLocationID,
					ReceivedQuantity: a.Quantity, Remaining: a.Quantity, UnitCost: a.UnitCost, Amount: a.Amount,
					ReceivedAt: from[j].ReceivedAt, ExpiresAt: from[j].ExpiresAt,
				})
			}
			if err := run.move(i, line.GoodsID, doc.ToLocationID, line.Quantity, amount); err != nil {
				return err
			}
			run.created[stockKey{line.GoodsID, doc.ToLocationID}] = true
			if doc.TotalAmount, err = model.AddMoney(doc.TotalAmount, amount); err != nil {
				return model.WithField(err, lineField(i, "quantity"))
			}
		}
		if doc.Code == "" {
			if doc.Code, err = s.nextCode(ctx, tx, transferPrefix, doc.CreatedAt); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(doc).Exec(ctx); err != nil {
			return err
		}
		run.document("TRANSFER", doc.ID, doc.Code)
		run.documentEvent(model.EventDocumentCreated, nil, doc.FromLocationID, doc.ToLocationID)
		for _, l := range lines {
			l.TransferID = doc.ID
		}
		if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
			return fmt.Errorf("insert lines: %w", err)
		}
		for _, l := range made {
			l.TransferID = &doc.ID
		}
		if _, err := tx.NewInsert().Model(&made).Exec(ctx); err != nil {
			return fmt.Errorf("insert lots: %w", err)
		}
		// The ids of the lots just made, read back rather than guessed from
		// how a multi-row insert numbered its rows: a statement's rows get
		// increasing ids, so id order is the order they were written in.
		var madeIDs []int64
		err = tx.NewSelect().Model((*model.Lot)(nil)).Column("l.id").Where("l.transfer_id = ?", doc.ID).
			OrderExpr("l.id").Scan(ctx, &madeIDs)
		if err != nil {
			return fmt.Errorf("read the lots made: %w", err)
		}
		if len(madeIDs) != len(made) {
			return fmt.Errorf("transfer %s made %d lots, read back %d", doc.Code, len(made), len(madeIDs))
		}
		for k, l := range made {
			out := run.entries[pairs[k]]
			run.entry(&model.LedgerEntry{
				At: doc.OccurredAt, GoodsID: l.GoodsID, LocationID: doc.ToLocationID,
				Direction: model.DirectionIn, Kind: model.KindTransferIn,
				Quantity: l.ReceivedQuantity, UnitCost: l.UnitCost, Amount: l.Amount,
				TransferLine: out.TransferLine, LotID: madeIDs[k],
			})
		}
		for _, e := range run.entries {
			e.DocumentCode, e.TransferID = doc.Code, &doc.ID
		}
		return run.finish(ctx)
	})
	if err != nil {
		return documentError(err, "transfer", doc.Code, doc.IdempotencyKey, func() (*model.Transfer, error) {
			return s.replayTransfer(ctx, doc)
		})
	}
	return doc, nil
}

// replayTransfer is replayStockIn for transfers.
func (s *Store) replayTransfer(ctx context.Context, doc *model.Transfer) (*model.Transfer, error) {
	return replay(ctx, s, "tr", doc.IdempotencyScope, *doc.IdempotencyKey, doc.RequestHash,
		func(d *model.Transfer) string { return d.RequestHash })
}

// Transfer returns one transfer, or NOT_FOUND.
func (s *Store) Transfer(ctx context.Context, id int64) (*model.Transfer, error) {
	d := new(model.Transfer)
	if err := s.db.NewSelect().Model(d).Where("tr.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("transfer", id))
	}
	return d, nil
}

// TransfersByIDs returns the transfers with these ids.
func (s *Store) TransfersByIDs(ctx context.Context, ids []int64) (map[int64]*model.Transfer, error) {
	var ds []*model.Transfer
	err := s.db.NewSelect().Model(&ds).Where("tr.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ds, func(d *model.Transfer) int64 { return d.ID }), err
}

// Transfers lists transfers, newest first; search as for StockIns, and a
// location matches either end.
func (s *Store) Transfers(ctx context.Context, f model.TransferFilter, p model.PageArgs) (*model.Page[*model.Transfer], error) {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return nil, err
	}
	base := func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.Transfer)(nil))
		if f.LocationID != nil {
			q = q.Where("(tr.from_location_id = ? OR tr.to_location_id = ?)", *f.LocationID, *f.LocationID)
		}
		q = voidedFilter(q, "tr", f.Voided)
		if f.GoodsID != nil {
			q = q.Where("EXISTS (SELECT 1 FROM transfer_lines AS fl WHERE fl.transfer_id = tr.id AND fl.goods_id = ?)", *f.GoodsID)
		}
		if f.Search != "" {
			like := likeContains(f.Search)
			q = q.Where(`(LOWER(tr.code) LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 FROM transfer_lines AS fl
				JOIN goods AS fg ON fg.id = fl.goods_id
				WHERE fl.transfer_id = tr.id AND fg.search_text LIKE ? ESCAPE '!'))`, like, like)
		}
		return timeRange(q, "tr.occurred_at", f.From, f.To)
	}
	return page(ctx, base, p, transferOrder, func(d *model.Transfer) []any { return []any{d.OccurredAt, d.ID} })
}

// TransferLines returns the lines of these transfers, in line order.
func (s *Store) TransferLines(ctx context.Context, ids []int64) (map[int64][]*model.TransferLine, error) {
	var ls []*model.TransferLine
	err := s.db.NewSelect().Model(&ls).Where("trl.transfer_id IN (?)", bun.List(ids)).
		OrderExpr("trl.transfer_id, trl.line").Scan(ctx)
	m := make(map[int64][]*model.TransferLine, len(ids))
	for _, l := range ls {
		m[l.TransferID] = append(m[l.TransferID], l)
	}
	return m, err
}

// TransferLineKey names one transfer line.
type TransferLineKey struct {
	TransferID int64
	Line       int
}

// TransferAllocations returns what each line of these transfers took from
// which lot and the lot it made, read from their ledger entries, in FIFO
// order: each OUT entry is followed by the IN entry of the same allocation.
func (s *Store) TransferAllocations(ctx context.Context, ids []int64) (map[TransferLineKey][]*model.TransferAllocation, error) {
	var es []*model.LedgerEntry
	err := s.db.NewSelect().Model(&es).Where("le.transfer_id IN (?)", bun.List(ids)).Where("le.kind <> ?", model.KindVoid).
		OrderExpr("le.transfer_id, le.transfer_line, le.id").Scan(ctx)
	m := map[TransferLineKey][]*model.TransferAllocation{}
	open := map[TransferLineKey][]*model.TransferAllocation{} // OUT entries still waiting for their IN
	for _, e := range es {
		if e.TransferLine == nil {
			continue
		}
		k := TransferLineKey{*e.TransferID, *e.TransferLine}
		if e.Direction == model.DirectionOut {
			a := &model.TransferAllocation{Allocation: model.Allocation{LotID: e.LotID, Quantity: -e.Quantity, UnitCost: e.UnitCost, Amount: -e.Amount}}
			m[k] = append(m[k], a)
			open[k] = append(open[k], a)
			continue
		}
		if q := open[k]; len(q) > 0 {
			q[0].ToLotID = e.LotID
			open[k] = q[1:]
		}
	}
	return m, err
}
