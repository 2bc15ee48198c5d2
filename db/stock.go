package db

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// Stock movements. Every stock-in, stock-out and transfer is one transaction
// on the engine of stockengine.go: it locks the rows of the goods it touches
// first, in ascending id order, then reads and changes their lots at the
// document's location(s), writes the document, its lines and its ledger
// entries, and moves the stock levels kept on the goods rows and per (goods,
// location). Taking the goods
// locks first and in one order means two documents touching the same goods
// queue behind each other instead of deadlocking, and a FIFO read under that
// lock sees every lot change committed before it: no quantity is allocated
// twice. On MySQL those are row locks (SELECT … FOR UPDATE), so the rule holds
// across any number of server processes; on SQLite the whole write
// transaction is exclusive. A deadlock or lock wait timeout that still
// happens (say, with a goods edit) rolls back and the whole transaction runs
// again (Store.inTx). Documents on different goods share nothing but the
// day's code counter, which on MySQL a document takes before its
// transaction (Store.earlyCode), so they do not wait for each other.

// Document code prefixes; generated codes are PREFIX-YYYYMMDD-NNNN.
const (
	stockInPrefix  = "IN"
	stockOutPrefix = "OUT"
	transferPrefix = "TR"
)

// generatedCode matches the form of generated codes, which a client may not
// choose, so that a client's code can never take a number the counter will
// hand out later.
var generatedCode = regexp.MustCompile(`^(IN|OUT|TR)-[0-9]{8}-[0-9]+$`)

func checkClientCode(code string) error {
	if generatedCode.MatchString(code) {
		return model.Invalid("code", "codes like %q are reserved for generated codes; leave code out to get one", code)
	}
	return nil
}

// nextCode takes the next number of the day for prefix, in db: a document's
// transaction, or the DB itself for a statement of its own (earlyCode).
func (s *Store) nextCode(ctx context.Context, db bun.IDB, prefix string, now time.Time) (string, error) {
	day := s.BusinessDate(now)
	n, err := incrementCounter(ctx, db, prefix, day)
	if err != nil {
		return "", fmt.Errorf("next %s code: %w", prefix, err)
	}
	return fmt.Sprintf("%s-%s-%04d", prefix, day, n), nil
}

// earlyCode takes a generated code for a document before the document's
// transaction, in a statement of its own, on a database where that is how
// codes are taken (codesAhead); need is what the document asks of each goods
// at location (the quantity a stock-out takes; 0, and no location, when the
// goods only have to exist). It answers "" when the code is to be taken
// inside the transaction instead, as its last step: always on SQLite, and on
// MySQL whenever a plain read says the document is bound to be refused (a
// goods that does not exist, less there than asked), so that a document
// refused for that does not use a number up. A document that passes this
// check and still fails (another took the stock meanwhile, a deadlock ten
// times over) leaves its number unused: a gap in the day's numbering, never
// a duplicate. The document's transaction, however often it is retried,
// keeps the code taken here.
func (s *Store) earlyCode(ctx context.Context, prefix string, location *int64, need map[int64]model.Quantity) (string, error) {
	if !codesAhead(s.db) || !s.likelyServed(ctx, location, need) {
		return "", nil
	}
	var code string
	err := s.retry(ctx, func() error {
		var err error
		code, err = s.nextCode(ctx, s.db, prefix, s.now())
		return err
	})
	return code, err
}

// likelyServed reads, without locking, whether every goods in need exists
// and, given a location, has at least the quantity asked there. It says
// nothing for certain: stock may move before the document's transaction
// locks the goods.
func (s *Store) likelyServed(ctx context.Context, location *int64, need map[int64]model.Quantity) bool {
	ids := make([]int64, 0, len(need))
	for id := range need {
		ids = append(ids, id)
	}
	if location == nil {
		n, err := s.db.NewSelect().Model((*model.Goods)(nil)).Where("g.id IN (?)", bun.List(ids)).Count(ctx)
		return err == nil && int(n) == len(ids)
	}
	var levels []*model.LocationStock
	err := s.db.NewSelect().Model(&levels).Column("goods_id", "on_hand").
		Where("sl.location_id = ?", *location).Where("sl.goods_id IN (?)", bun.List(ids)).Scan(ctx)
	if err != nil || len(levels) != len(ids) {
		return false
	}
	for _, l := range levels {
		if l.OnHand < need[l.GoodsID] {
			return false
		}
	}
	return true
}

// startDocument is what every stock document does before its transaction:
// a code the client chose must not have the generated form; with an
// idempotency key, a retry answers the document the key already made
// (prev); otherwise the generated code is taken early where codes are
// (earlyCode, with need and location as it takes them). kind names the
// document in errors.
func startDocument[T any](ctx context.Context, s *Store, kind, code string, key *string, replay func() (*T, error),
	prefix string, location *int64, need map[int64]model.Quantity,
) (prev *T, early string, err error) {
	if code != "" {
		if err := checkClientCode(code); err != nil {
			return nil, "", err
		}
	}
	if key != nil {
		if prev, err := replay(); prev != nil || err != nil {
			return prev, "", err
		}
	}
	if code != "" {
		return nil, code, nil
	}
	if early, err = s.earlyCode(ctx, prefix, location, need); err != nil {
		return nil, "", fmt.Errorf("%s: %w", kind, err)
	}
	return nil, early, nil
}

// CreateStockIn brings the lines of a receipt into stock at its location:
// one lot and one ledger entry per line, all in one transaction.
func (s *Store) CreateStockIn(ctx context.Context, in model.StockInInput) (*model.StockIn, error) {
	packs, err := s.unpackStockIn(ctx, &in)
	if err != nil {
		return nil, err
	}
	doc, lots, err := model.NewStockIn(in, s.now())
	if err != nil {
		return nil, err
	}
	for i, l := range lots {
		l.PackName, l.PackQuantity = packs[i].name, packs[i].count
	}
	if doc.LocationID, err = s.documentLocation(ctx, in.LocationID, "locationId", true); err != nil {
		return nil, err
	}
	doc.IdempotencyScope = model.IdempotencyScope(ctx)
	need := make(map[int64]model.Quantity, len(lots))
	for _, l := range lots {
		need[l.GoodsID] = 0
	}
	prev, code, err := startDocument(ctx, s, "stock-in", doc.Code, doc.IdempotencyKey,
		func() (*model.StockIn, error) { return s.replayStockIn(ctx, doc) }, stockInPrefix, nil, need)
	if prev != nil || err != nil {
		return prev, err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		doc.ID, doc.Code, doc.CreatedAt, doc.CreatedBy = 0, code, s.now(), model.ActorFrom(ctx)
		ids := make([]int64, len(lots))
		for i, l := range lots {
			ids[i] = l.GoodsID
		}
		run, err := s.startRun(ctx, tx, ids)
		if err != nil {
			return err
		}
		if err := run.stockIn(ctx, doc, lots, model.LedgerKind(doc.Type), entryTag{}, in.AttachmentIDs); err != nil {
			return err
		}
		return run.finish(ctx)
	})
	if err != nil {
		return documentError(err, "stock-in", doc.Code, doc.IdempotencyKey, func() (*model.StockIn, error) {
			return s.replayStockIn(ctx, doc)
		})
	}
	return doc, nil
}

// entryTag is what a document's ledger entries name besides the document:
// the stocktake or setStock that wrote it.
type entryTag struct {
	stocktake, adjustment *int64
}

// stockIn writes a stock-in in the run: its lots at doc.LocationID (the
// run holds their goods' locks), the document (with a code taken now when it
// has none), its attachments, and one ledger entry of kind per lot.
func (r *stockRun) stockIn(ctx context.Context, doc *model.StockIn, lots []*model.Lot, kind model.LedgerKind, tag entryTag,
	attachmentIDs []int64,
) error {
	for i, l := range lots {
		l.ID, l.LocationID = 0, doc.LocationID
		// A client's stock-in of expiry-tracked goods names the date; a
		// count's or an adjustment's surplus has none to give.
		if r.goods[l.GoodsID].TracksExpiry && l.ExpiresAt == nil && tag == (entryTag{}) {
			return model.Invalid(lineField(i, "expiresAt"), "goods %d tracks expiry: give the line an expiresAt", l.GoodsID)
		}
		if err := r.move(i, l.GoodsID, doc.LocationID, l.ReceivedQuantity, l.Amount); err != nil {
			return err
		}
		r.created[stockKey{l.GoodsID, doc.LocationID}] = true
	}
	if doc.Code == "" {
		var err error
		if doc.Code, err = r.s.nextCode(ctx, r.tx, stockInPrefix, doc.CreatedAt); err != nil {
			return err
		}
	}
	if _, err := r.tx.NewInsert().Model(doc).Exec(ctx); err != nil {
		return err
	}
	r.document("STOCK_IN", doc.ID, doc.Code)
	r.documentEvent(model.EventDocumentCreated, nil, doc.LocationID)
	if err := attach(ctx, r.tx, doc.ID, attachmentIDs); err != nil {
		return err
	}
	for _, l := range lots {
		l.StockInID = doc.ID
	}
	if _, err := r.tx.NewInsert().Model(&lots).Exec(ctx); err != nil {
		return fmt.Errorf("insert lots: %w", err)
	}
	// The ledger entries are copied from the lots just written, so their
	// lot ids come from the database, not from guessing how a multi-row
	// insert numbered its rows.
	_, err := r.tx.NewRaw(`INSERT INTO ledger_entries
		(at, goods_id, category_id, location_id, direction, kind, quantity, unit_cost, amount, document_code, stock_in_id,
		 stocktake_id, adjustment_id, lot_id)
		SELECT l.received_at, l.goods_id, g.category_id, l.location_id, ?, ?, l.received_quantity, l.unit_cost, l.amount, ?,
		 l.stock_in_id, ?, ?, l.id
		FROM lots AS l JOIN goods AS g ON g.id = l.goods_id
		WHERE l.stock_in_id = ? AND l.transfer_id IS NULL ORDER BY l.line`,
		model.DirectionIn, kind, doc.Code, tag.stocktake, tag.adjustment, doc.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	if err := keepBalances(ctx, r.tx, lotEntries(lots, kind)); err != nil {
		return err
	}
	return nil
}

// replayStockIn returns the stock-in an idempotency key already made, when
// the request is the same; a different request under the same key is a
// CONFLICT; nil when the key is new.
func (s *Store) replayStockIn(ctx context.Context, doc *model.StockIn) (*model.StockIn, error) {
	return replay(ctx, s, "si", doc.IdempotencyScope, *doc.IdempotencyKey, doc.RequestHash,
		func(d *model.StockIn) string { return d.RequestHash })
}

// replay reads the document of the table aliased alias that holds key in
// scope (the unique index is on (idempotency_scope, idempotency_key)).
func replay[T any](ctx context.Context, s *Store, alias string, scope int64, key, hash string, hashOf func(*T) string) (*T, error) {
	prev := new(T)
	err := s.db.NewSelect().Model(prev).
		Where(alias+".idempotency_scope = ?", scope).Where(alias+".idempotency_key = ?", key).Scan(ctx)
	if err != nil {
		return nil, ignoreNoRows(err)
	}
	if hashOf(prev) != hash {
		return nil, idempotencyConflict()
	}
	return prev, nil
}

// documentError makes the failure of a document's transaction an answer: a
// duplicate key is a replay of the idempotency key when there is one (two
// retries raced), else a code taken; domain errors pass; the rest is wrapped.
func documentError[T any](err error, kind, code string, key *string, again func() (*T, error)) (*T, error) {
	if isUniqueViolation(err) {
		if key != nil {
			if prev, rerr := again(); prev != nil || rerr != nil {
				return prev, rerr
			}
		}
		return nil, &model.Error{Code: model.CodeConflict, Field: "code",
			Message: fmt.Sprintf("a %s with code %q already exists", kind, code)}
	}
	var me *model.Error
	var short *model.InsufficientStockError
	if errors.As(err, &me) || errors.As(err, &short) {
		return nil, err
	}
	return nil, fmt.Errorf("%s: %w", kind, err)
}

func idempotencyConflict() error {
	return &model.Error{Code: model.CodeConflict, Field: "idempotencyKey",
		Message: "this idempotencyKey was already used for a different request"}
}

// CreateStockOut takes the lines of a document out of stock at its
// location, each from its goods' lots there oldest first (FIFO). A line that
// cannot be served fully fails the whole document with INSUFFICIENT_STOCK,
// and nothing changes.
func (s *Store) CreateStockOut(ctx context.Context, in model.StockOutInput) (*model.StockOut, error) {
	packs, err := s.unpackStockOut(ctx, &in)
	if err != nil {
		return nil, err
	}
	doc, lines, err := model.NewStockOut(in, s.now())
	if err != nil {
		return nil, err
	}
	for i, l := range lines {
		l.PackName, l.PackQuantity = packs[i].name, packs[i].count
	}
	if doc.LocationID, err = s.documentLocation(ctx, in.LocationID, "locationId", false); err != nil {
		return nil, err
	}
	doc.IdempotencyScope = model.IdempotencyScope(ctx)
	need := make(map[int64]model.Quantity, len(lines))
	for _, l := range lines {
		need[l.GoodsID] += l.Quantity
	}
	prev, code, err := startDocument(ctx, s, "stock-out", doc.Code, doc.IdempotencyKey,
		func() (*model.StockOut, error) { return s.replayStockOut(ctx, doc) }, stockOutPrefix, &doc.LocationID, need)
	if prev != nil || err != nil {
		return prev, err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		doc.ID, doc.Code, doc.CreatedAt, doc.CreatedBy = 0, code, s.now(), model.ActorFrom(ctx)
		ids := make([]int64, len(lines))
		for i, l := range lines {
			ids[i] = l.GoodsID
		}
		run, err := s.startRun(ctx, tx, ids)
		if err != nil {
			return err
		}
		if err := run.stockOut(ctx, doc, lines, model.LedgerKind(doc.Reason), entryTag{}); err != nil {
			return err
		}
		return run.finish(ctx)
	})
	if err != nil {
		return documentError(err, "stock-out", doc.Code, doc.IdempotencyKey, func() (*model.StockOut, error) {
			return s.replayStockOut(ctx, doc)
		})
	}
	return doc, nil
}

// stockOut writes a stock-out in the run: each line taken from its goods'
// lots at doc.LocationID oldest first (the run holds their goods' locks),
// the document (with a code taken now when it has none), its lines, and
// one ledger entry of kind per allocation. A line that cannot be served
// fully is INSUFFICIENT_STOCK.
func (r *stockRun) stockOut(ctx context.Context, doc *model.StockOut, lines []*model.StockOutLine, kind model.LedgerKind, tag entryTag) error {
	if err := r.readLots(ctx, doc.LocationID); err != nil {
		return err
	}
	doc.TotalCost = 0
	first := len(r.entries)
	for i, line := range lines {
		var allocs []model.Allocation
		var cost model.Money
		var err error
		if line.LotID != nil {
			allocs, _, cost, err = r.takeLot(ctx, i, line.GoodsID, doc.LocationID, *line.LotID, line.Quantity)
		} else {
			allocs, _, cost, err = r.take(i, line.GoodsID, doc.LocationID, line.Quantity)
		}
		if err != nil {
			return err
		}
		line.Cost = cost
		for _, a := range allocs {
			r.entry(&model.LedgerEntry{
				At: doc.OccurredAt, GoodsID: line.GoodsID, LocationID: doc.LocationID,
				Direction: model.DirectionOut, Kind: kind,
				Quantity: -a.Quantity, UnitCost: a.UnitCost, Amount: -a.Amount,
				StockOutLine: &line.Line, StocktakeID: tag.stocktake, AdjustmentID: tag.adjustment, LotID: a.LotID,
			})
		}
		if doc.TotalCost, err = model.AddMoney(doc.TotalCost, line.Cost); err != nil {
			return model.WithField(err, lineField(i, "quantity"))
		}
	}
	if doc.Code == "" {
		var err error
		if doc.Code, err = r.s.nextCode(ctx, r.tx, stockOutPrefix, doc.CreatedAt); err != nil {
			return err
		}
	}
	if _, err := r.tx.NewInsert().Model(doc).Exec(ctx); err != nil {
		return err
	}
	r.document("STOCK_OUT", doc.ID, doc.Code)
	r.documentEvent(model.EventDocumentCreated, nil, doc.LocationID)
	for _, l := range lines {
		l.StockOutID = doc.ID
	}
	if _, err := r.tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
		return fmt.Errorf("insert lines: %w", err)
	}
	for _, e := range r.entries[first:] {
		e.DocumentCode, e.StockOutID = doc.Code, &doc.ID
	}
	return nil
}

// replayStockOut is replayStockIn for stock-outs.
func (s *Store) replayStockOut(ctx context.Context, doc *model.StockOut) (*model.StockOut, error) {
	return replay(ctx, s, "so", doc.IdempotencyScope, *doc.IdempotencyKey, doc.RequestHash,
		func(d *model.StockOut) string { return d.RequestHash })
}

// attach links media to a stock-in, in the order given; unknown ids, and
// media that may not be attachments (model.Media.CheckAttachment), are
// BAD_USER_INPUT.
func attach(ctx context.Context, tx bun.Tx, stockInID int64, mediaIDs []int64) error {
	if len(mediaIDs) == 0 {
		return nil
	}
	ids := slices.Clone(mediaIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var found []*model.Media
	if err := tx.NewSelect().Model(&found).Where("m.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return err
	}
	if len(found) != len(ids) {
		return model.Invalid("attachmentIds", "an attachment does not exist; upload it first")
	}
	for _, m := range found {
		if err := m.CheckAttachment("attachmentIds"); err != nil {
			return err
		}
	}
	rows := make([]*attachment, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range mediaIDs {
		if !seen[id] {
			seen[id] = true
			rows = append(rows, &attachment{StockInID: stockInID, MediaID: id, Position: len(rows)})
		}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// attachment links a media to a stock-in.
type attachment struct {
	bun.BaseModel `bun:"table:stock_in_attachments,alias:sa"`

	StockInID int64 `bun:"stock_in_id,pk"`
	MediaID   int64 `bun:"media_id,pk"`
	Position  int   `bun:"position,notnull"`
}
