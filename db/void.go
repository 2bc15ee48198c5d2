package db

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"wms/model"
)

// Voids. A document is never deleted: a void marks it (voidedAt, voidedBy,
// voidReason) and writes ledger entries of kind VOID that move back what it
// moved, dated when the void is recorded, in one transaction on the stock
// engine (goods locks in id order, then the lots). A voided stock-out puts
// each allocation back into the very lot it came from; a stock-in or a
// transfer can be voided only while the lots it made are untouched.
//
// The amount a void moves through a lot is the change of the lot's value
// (model.Lot.Value), as for any movement: a stock-out voided before anything
// else touched its lots gives back exactly what it took, to the cent, and
// whatever happened since, Σ ledger amount stays Σ lot value.

// voidable reads and locks a document for its void: NOT_FOUND, or CONFLICT
// when it is voided already.
func voidable[T any](ctx context.Context, tx bun.Tx, alias string, id int64, what string, voided func(*T) *model.Voided,
	code func(*T) string,
) (*T, error) {
	doc := new(T)
	if err := forUpdate(tx.NewSelect().Model(doc).Where(alias+".id = ?", id)).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound(what, id))
	}
	if v := voided(doc); v.VoidedAt != nil {
		return nil, &model.Error{Code: model.CodeConflict, Field: "id",
			Message: fmt.Sprintf("%s %s was voided already", what, code(doc))}
	}
	return doc, nil
}

// markVoided records the void on the document's row, and its
// DOCUMENT_VOIDED event in the run.
func (s *Store) markVoided(ctx context.Context, tx bun.Tx, run *stockRun, ref model.DocumentRef, doc any, v *model.Voided,
	reason string, locations ...int64,
) error {
	now := s.now()
	v.VoidedAt, v.VoidedBy, v.VoidReason = &now, model.ActorFrom(ctx), &reason
	_, err := tx.NewUpdate().Model(doc).Column("voided_at", "voided_by", "void_reason").WherePK().Exec(ctx)
	run.doc = &ref
	run.documentEvent(model.EventDocumentVoided, &reason, locations...)
	return err
}

// documentEntries reads the ledger entries a document wrote (not those of a
// void), in the order written.
func documentEntries(ctx context.Context, tx bun.Tx, col string, id int64) ([]*model.LedgerEntry, error) {
	var es []*model.LedgerEntry
	err := tx.NewSelect().Model(&es).Where("le."+col+" = ?", id).Where("le.kind <> ?", model.KindVoid).
		OrderExpr("le.id").Scan(ctx)
	return es, err
}

// putBack returns q to a lot the run holds and writes the VOID entry (IN) of
// the value that puts back.
func (r *stockRun) putBack(lot *model.Lot, q model.Quantity, e model.LedgerEntry) error {
	before := lot.Remaining
	lot.Remaining += q
	amount := lot.Value(lot.Remaining) - lot.Value(before)
	e.GoodsID, e.LocationID, e.Direction, e.Kind = lot.GoodsID, lot.LocationID, model.DirectionIn, model.KindVoid
	e.Quantity, e.UnitCost, e.Amount, e.LotID = q, lot.UnitCost, amount, lot.ID
	r.entry(&e)
	return r.move(0, lot.GoodsID, lot.LocationID, q, amount)
}

// empty takes what is left of a whole lot away and writes the VOID entry
// (OUT) of its value.
func (r *stockRun) empty(lot *model.Lot, e model.LedgerEntry) error {
	q, amount := lot.Remaining, lot.Value(lot.Remaining)
	lot.Remaining = 0
	e.GoodsID, e.LocationID, e.Direction, e.Kind = lot.GoodsID, lot.LocationID, model.DirectionOut, model.KindVoid
	e.Quantity, e.UnitCost, e.Amount, e.LotID = -q, lot.UnitCost, -amount, lot.ID
	r.entry(&e)
	return r.move(0, lot.GoodsID, lot.LocationID, -q, -amount)
}

// voided describes one kind of document to the void: how to read it and
// what moving its entries back means.
type voided[T any] struct {
	what, kind, alias, col string
	// marks, id, code and locations read the document.
	marks     func(*T) *model.Voided
	id        func(*T) int64
	code      func(*T) string
	locations func(*T) []int64
	// undo moves back what the document's entries moved, in the run.
	undo func(ctx context.Context, tx bun.Tx, run *stockRun, doc *T, es []*model.LedgerEntry, lots map[int64]*model.Lot) error
}

// void voids one document in one transaction: it locks the document
// (CONFLICT when voided already), checks the user may write at its
// locations, reads its entries and lots under their goods' locks, moves
// them back (v.undo), marks it and writes its DOCUMENT_VOIDED.
func voidDocument[T any](ctx context.Context, s *Store, in model.VoidInput, v voided[T]) (*T, error) {
	reason, err := model.VoidReason(in.Reason)
	if err != nil {
		return nil, err
	}
	var doc *T
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if doc, err = voidable(ctx, tx, v.alias, in.ID, v.what, v.marks, v.code); err != nil {
			return err
		}
		if err := s.checkLocationIDs(ctx, "id", v.locations(doc)...); err != nil {
			return err
		}
		es, err := documentEntries(ctx, tx, v.col, v.id(doc))
		if err != nil {
			return err
		}
		run, lots, err := s.voidRun(ctx, tx, es)
		if err != nil {
			return err
		}
		if err := v.undo(ctx, tx, run, doc, es, lots); err != nil {
			return err
		}
		ref := model.DocumentRef{Kind: v.kind, ID: idText(v.id(doc)), Code: v.code(doc)}
		if err := s.markVoided(ctx, tx, run, ref, doc, v.marks(doc), reason, v.locations(doc)...); err != nil {
			return err
		}
		return run.finish(ctx)
	})
	if err != nil {
		return nil, voidError(err, v.what, in.ID)
	}
	return doc, nil
}

// VoidStockOut voids a stock-out: each allocation goes back into the lot it
// came from.
func (s *Store) VoidStockOut(ctx context.Context, in model.VoidInput) (*model.StockOut, error) {
	return voidDocument(ctx, s, in, voided[model.StockOut]{what: "stock-out", kind: "STOCK_OUT", alias: "so", col: "stock_out_id",
		marks: func(d *model.StockOut) *model.Voided { return &d.Voided }, id: func(d *model.StockOut) int64 { return d.ID },
		code: func(d *model.StockOut) string { return d.Code }, locations: func(d *model.StockOut) []int64 { return []int64{d.LocationID} },
		undo: func(_ context.Context, _ bun.Tx, run *stockRun, doc *model.StockOut, es []*model.LedgerEntry, lots map[int64]*model.Lot) error {
			for _, e := range es {
				if err := run.putBack(lots[e.LotID], -e.Quantity, model.LedgerEntry{At: s.now(), DocumentCode: doc.Code,
					StockOutID: &doc.ID, StockOutLine: e.StockOutLine}); err != nil {
					return err
				}
			}
			return nil
		}})
}

// VoidStockIn voids a stock-in whose lots are all whole: they are emptied.
// A lot drawn on is a CONFLICT naming it and the documents that drew on it,
// to be voided first.
func (s *Store) VoidStockIn(ctx context.Context, in model.VoidInput) (*model.StockIn, error) {
	return voidDocument(ctx, s, in, voided[model.StockIn]{what: "stock-in", kind: "STOCK_IN", alias: "si", col: "stock_in_id",
		marks: func(d *model.StockIn) *model.Voided { return &d.Voided }, id: func(d *model.StockIn) int64 { return d.ID },
		code: func(d *model.StockIn) string { return d.Code }, locations: func(d *model.StockIn) []int64 { return []int64{d.LocationID} },
		undo: func(ctx context.Context, tx bun.Tx, run *stockRun, doc *model.StockIn, es []*model.LedgerEntry, lots map[int64]*model.Lot) error {
			for _, e := range es {
				if err := untouched(ctx, tx, lots[e.LotID], "stock-in", doc.Code); err != nil {
					return err
				}
				if err := run.empty(lots[e.LotID], model.LedgerEntry{At: s.now(), DocumentCode: doc.Code, StockInID: &doc.ID}); err != nil {
					return err
				}
			}
			return nil
		}})
}

// VoidTransfer voids a transfer whose lots at the destination are all
// whole: they are emptied, and each allocation goes back into the lot at
// the source it came from.
func (s *Store) VoidTransfer(ctx context.Context, in model.VoidInput) (*model.Transfer, error) {
	return voidDocument(ctx, s, in, voided[model.Transfer]{what: "transfer", kind: "TRANSFER", alias: "tr", col: "transfer_id",
		marks: func(d *model.Transfer) *model.Voided { return &d.Voided }, id: func(d *model.Transfer) int64 { return d.ID },
		code:      func(d *model.Transfer) string { return d.Code },
		locations: func(d *model.Transfer) []int64 { return []int64{d.FromLocationID, d.ToLocationID} },
		undo: func(ctx context.Context, tx bun.Tx, run *stockRun, doc *model.Transfer, es []*model.LedgerEntry, lots map[int64]*model.Lot) error {
			for _, e := range es {
				if e.Direction == model.DirectionIn {
					if err := untouched(ctx, tx, lots[e.LotID], "transfer", doc.Code); err != nil {
						return err
					}
				}
			}
			for _, e := range es {
				tag := model.LedgerEntry{At: s.now(), DocumentCode: doc.Code, TransferID: &doc.ID, TransferLine: e.TransferLine}
				var err error
				if e.Direction == model.DirectionIn {
					err = run.empty(lots[e.LotID], tag)
				} else {
					err = run.putBack(lots[e.LotID], -e.Quantity, tag)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}})
}

// voidRun starts the run of a void over the goods of the entries and reads
// their lots.
func (s *Store) voidRun(ctx context.Context, tx bun.Tx, es []*model.LedgerEntry) (*stockRun, map[int64]*model.Lot, error) {
	goods := make([]int64, 0, len(es))
	lotIDs := make([]int64, 0, len(es))
	for _, e := range es {
		goods = append(goods, e.GoodsID)
		lotIDs = append(lotIDs, e.LotID)
	}
	run, err := s.startRun(ctx, tx, goods)
	if err != nil {
		return nil, nil, err
	}
	lots, err := run.lotsByID(ctx, lotIDs)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range lotIDs {
		if lots[id] == nil {
			return nil, nil, fmt.Errorf("lot %d of a ledger entry is missing", id)
		}
	}
	return run, lots, nil
}

// untouched checks that nothing has been taken from a lot a document made;
// otherwise it is a CONFLICT naming the lot and the documents (not voided)
// that took from it.
func untouched(ctx context.Context, tx bun.Tx, lot *model.Lot, what, code string) error {
	if lot.Remaining == lot.ReceivedQuantity {
		return nil
	}
	var codes []string
	err := tx.NewRaw(`SELECT DISTINCT le.document_code FROM ledger_entries AS le
		LEFT JOIN stock_outs AS so ON so.id = le.stock_out_id
		LEFT JOIN transfers AS tr ON tr.id = le.transfer_id
		WHERE le.lot_id = ? AND le.direction = ? AND le.kind <> ? AND so.voided_at IS NULL AND tr.voided_at IS NULL
		ORDER BY le.document_code`, lot.ID, model.DirectionOut, model.KindVoid).Scan(ctx, &codes)
	if err != nil {
		return err
	}
	return &model.Error{Code: model.CodeConflict, Field: "id",
		Message: fmt.Sprintf("lot %d of %s %s has been drawn on by %s; void those first", lot.ID, what, code, strings.Join(codes, ", ")),
		Details: map[string]any{"lotId": fmt.Sprint(lot.ID), "documents": codes}}
}

// checkLocationIDs is CheckLocations for locations known by id.
func (s *Store) checkLocationIDs(ctx context.Context, field string, ids ...int64) error {
	if model.ActorFrom(ctx) == nil {
		return nil
	}
	ls, err := s.LocationsByIDs(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return err
	}
	list := make([]*model.Location, 0, len(ls))
	for _, id := range ids {
		if l := ls[id]; l != nil {
			list = append(list, l)
		}
	}
	return s.CheckLocations(ctx, field, list...)
}

func voidError(err error, what string, id int64) error {
	if e := stocktakeError(err, id); e != err {
		return fmt.Errorf("void %s %d: %w", what, id, err)
	}
	return err
}
