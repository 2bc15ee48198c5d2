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

// Stock movements. Every stock-in and stock-out is one transaction that
// locks the rows of the goods it touches first, in ascending id order, then
// reads and changes their lots, writes the document, its lines and its ledger
// entries, and moves the stock level kept on the goods row. Taking the goods
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
)

// generatedCode matches the form of generated codes, which a client may not
// choose, so that a client's code can never take a number the counter will
// hand out later.
var generatedCode = regexp.MustCompile(`^(IN|OUT)-[0-9]{8}-[0-9]+$`)

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
// (the quantity a stock-out takes; 0 when it only has to exist). It answers
// "" when the code is to be taken inside the transaction instead, as its
// last step: always on SQLite, and on MySQL whenever a plain read of the
// goods says the document is bound to be refused (a goods that does not
// exist, less on hand than asked), so that a document refused for that does
// not use a number up. A document that passes this check and still fails
// (another took the stock meanwhile, a deadlock ten times over) leaves its
// number unused: a gap in the day's numbering, never a duplicate. The
// document's transaction, however often it is retried, keeps the code taken
// here.
func (s *Store) earlyCode(ctx context.Context, prefix string, need map[int64]model.Quantity) (string, error) {
	if !codesAhead(s.db) || !s.likelyServed(ctx, need) {
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
// and has at least the quantity asked on hand. It says nothing for certain:
// stock may move before the document's transaction locks the goods.
func (s *Store) likelyServed(ctx context.Context, need map[int64]model.Quantity) bool {
	ids := make([]int64, 0, len(need))
	for id := range need {
		ids = append(ids, id)
	}
	var gs []*model.Goods
	err := s.db.NewSelect().Model(&gs).Column("id", "on_hand").Where("g.id IN (?)", bun.List(ids)).Scan(ctx)
	if err != nil || len(gs) != len(ids) {
		return false
	}
	for _, g := range gs {
		if g.OnHand < need[g.ID] {
			return false
		}
	}
	return true
}

// lockGoods locks the goods rows with these ids, in id order, and returns them
// by id. Ids that do not exist are missing from the map.
func lockGoods(ctx context.Context, tx bun.Tx, ids []int64) (map[int64]*model.Goods, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var gs []*model.Goods
	q := tx.NewSelect().Model(&gs).Column("id", "category_id", "on_hand", "stock_value").
		Where("g.id IN (?)", bun.List(ids)).OrderExpr("g.id")
	if err := forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("lock goods: %w", err)
	}
	return byID(gs, func(g *model.Goods) int64 { return g.ID }), nil
}

// stockDelta is how much one document moves the stock of one goods.
type stockDelta struct {
	qty   model.Quantity
	value model.Money
}

// stockMoves gathers what one document moves, goods by goods, checking each
// goods' running totals (on hand and stock value) line by line against what
// one goods may hold (model.MoveStock). It starts from the goods rows read
// under their locks, so the totals checked are the ones the document's
// transaction will change, and the line that would take a goods past its
// limit is the one named (lines.N.quantity) before anything is written.
type stockMoves struct {
	goods  map[int64]*model.Goods
	deltas map[int64]*stockDelta
}

func newStockMoves(goods map[int64]*model.Goods) *stockMoves {
	return &stockMoves{goods: goods, deltas: map[int64]*stockDelta{}}
}

// add moves qty and value (negative for a stock-out) of line i's goods.
func (m *stockMoves) add(i int, goodsID int64, qty model.Quantity, value model.Money) error {
	d := m.deltas[goodsID]
	if d == nil {
		d = &stockDelta{}
		m.deltas[goodsID] = d
	}
	g := m.goods[goodsID]
	if _, _, err := model.MoveStock(g.OnHand, g.StockValue, d.qty+qty, d.value+value); err != nil {
		return fmt.Errorf("goods %d: %w", goodsID, model.WithField(err, lineField(i, "quantity")))
	}
	d.qty += qty
	d.value += value
	return nil
}

func lineField(i int, name string) string { return fmt.Sprintf("lines.%d.%s", i, name) }

// moveStock applies the moves to the stock level kept on the goods rows.
func moveStock(ctx context.Context, tx bun.Tx, m *stockMoves) error {
	ids := make([]int64, 0, len(m.deltas))
	for id := range m.deltas {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		d := m.deltas[id]
		// "on_hand + ?" with spaces: a negative argument next to a minus
		// sign would otherwise read as an SQL comment ("--").
		_, err := tx.NewUpdate().Model((*model.Goods)(nil)).
			Set("on_hand = on_hand + ?", d.qty).
			Set("stock_value = stock_value + ?", d.value).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("move stock of goods %d: %w", id, err)
		}
	}
	return nil
}

// CreateStockIn brings the lines of a receipt into stock: one lot and one ledger
// entry per line, all in one transaction.
func (s *Store) CreateStockIn(ctx context.Context, in model.StockInInput) (*model.StockIn, error) {
	doc, lots, err := model.NewStockIn(in, s.now())
	if err != nil {
		return nil, err
	}
	if doc.Code != "" {
		if err := checkClientCode(doc.Code); err != nil {
			return nil, err
		}
	}
	doc.IdempotencyScope = model.IdempotencyScope(ctx)
	if doc.IdempotencyKey != nil {
		if prev, err := s.replayStockIn(ctx, doc); prev != nil || err != nil {
			return prev, err
		}
	}
	code := doc.Code
	if code == "" {
		need := make(map[int64]model.Quantity, len(lots))
		for _, l := range lots {
			need[l.GoodsID] = 0
		}
		if code, err = s.earlyCode(ctx, stockInPrefix, need); err != nil {
			return nil, fmt.Errorf("stock-in: %w", err)
		}
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		doc.ID, doc.Code, doc.CreatedAt, doc.CreatedBy = 0, code, s.now(), model.ActorFrom(ctx)
		ids := make([]int64, len(lots))
		for i, l := range lots {
			l.ID = 0
			ids[i] = l.GoodsID
		}
		goods, err := lockGoods(ctx, tx, ids)
		if err != nil {
			return err
		}
		moves := newStockMoves(goods)
		for i, l := range lots {
			if goods[l.GoodsID] == nil {
				return model.Invalid(lineField(i, "goodsId"), "goods %d does not exist", l.GoodsID)
			}
			if err := moves.add(i, l.GoodsID, l.ReceivedQuantity, l.Amount); err != nil {
				return err
			}
		}
		if doc.Code == "" {
			if doc.Code, err = s.nextCode(ctx, tx, stockInPrefix, doc.CreatedAt); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(doc).Exec(ctx); err != nil {
			return err
		}
		if err := attach(ctx, tx, doc.ID, in.AttachmentIDs); err != nil {
			return err
		}
		for _, l := range lots {
			l.StockInID = doc.ID
		}
		if _, err := tx.NewInsert().Model(&lots).Exec(ctx); err != nil {
			return fmt.Errorf("insert lots: %w", err)
		}
		// The ledger entries are copied from the lots just written, so their
		// lot ids come from the database, not from guessing how a multi-row
		// insert numbered its rows.
		_, err = tx.NewRaw(`INSERT INTO ledger_entries
			(at, goods_id, category_id, direction, quantity, unit_cost, amount, document_code, stock_in_id, lot_id)
			SELECT l.received_at, l.goods_id, g.category_id, ?, l.received_quantity, l.unit_cost, l.amount, ?, l.stock_in_id, l.id
			FROM lots AS l JOIN goods AS g ON g.id = l.goods_id WHERE l.stock_in_id = ? ORDER BY l.line`,
			model.DirectionIn, doc.Code, doc.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
		return moveStock(ctx, tx, moves)
	})
	if err != nil {
		return documentError(err, "stock-in", doc.Code, doc.IdempotencyKey, func() (*model.StockIn, error) {
			return s.replayStockIn(ctx, doc)
		})
	}
	return doc, nil
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

// lotChange is a lot's remaining before and after one stock-out.
type lotChange struct {
	lot    *model.Lot
	before model.Quantity
}

// CreateStockOut takes the lines of a document out of stock, each from its goods'
// lots oldest first (FIFO). A line that cannot be served fully fails the
// whole document with INSUFFICIENT_STOCK, and nothing changes.
func (s *Store) CreateStockOut(ctx context.Context, in model.StockOutInput) (*model.StockOut, error) {
	doc, lines, err := model.NewStockOut(in, s.now())
	if err != nil {
		return nil, err
	}
	if doc.Code != "" {
		if err := checkClientCode(doc.Code); err != nil {
			return nil, err
		}
	}
	doc.IdempotencyScope = model.IdempotencyScope(ctx)
	if doc.IdempotencyKey != nil {
		if prev, err := s.replayStockOut(ctx, doc); prev != nil || err != nil {
			return prev, err
		}
	}
	code := doc.Code
	if code == "" {
		need := make(map[int64]model.Quantity, len(lines))
		for _, l := range lines {
			need[l.GoodsID] += l.Quantity
		}
		if code, err = s.earlyCode(ctx, stockOutPrefix, need); err != nil {
			return nil, fmt.Errorf("stock-out: %w", err)
		}
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		doc.ID, doc.Code, doc.CreatedAt, doc.CreatedBy, doc.TotalCost = 0, code, s.now(), model.ActorFrom(ctx), 0
		ids := make([]int64, len(lines))
		for i, l := range lines {
			ids[i] = l.GoodsID
		}
		goods, err := lockGoods(ctx, tx, ids)
		if err != nil {
			return err
		}
		for i, l := range lines {
			if goods[l.GoodsID] == nil {
				return model.Invalid(lineField(i, "goodsId"), "goods %d does not exist", l.GoodsID)
			}
		}
		// The lots with something left, oldest first: (received_at, id), so
		// that lots received at the same instant leave in the order they came.
		var lots []*model.Lot
		q := tx.NewSelect().Model(&lots).
			Where("l.goods_id IN (?)", bun.List(ids)).Where("l.depleted = FALSE").
			OrderExpr("l.goods_id, l.received_at, l.id")
		if err := forUpdate(q).Scan(ctx); err != nil {
			return fmt.Errorf("read lots: %w", err)
		}
		fifo := map[int64][]*model.Lot{}
		changed := map[int64]*lotChange{}
		var order []*lotChange
		for _, l := range lots {
			fifo[l.GoodsID] = append(fifo[l.GoodsID], l)
		}
		var entries []*model.LedgerEntry
		moves := newStockMoves(goods)
		for i, line := range lines {
			gl := fifo[line.GoodsID]
			for _, l := range gl {
				if changed[l.ID] == nil && l.Remaining > 0 {
					// Note the remaining before any line of this document takes from it.
					c := &lotChange{lot: l, before: l.Remaining}
					changed[l.ID] = c
					order = append(order, c)
				}
			}
			allocs, err := model.Allocate(line.GoodsID, gl, line.Quantity)
			if err != nil {
				var short *model.InsufficientStockError
				if errors.As(err, &short) {
					short.Field = lineField(i, "quantity")
				}
				return err
			}
			line.Cost = 0
			for _, a := range allocs {
				line.Cost += a.Amount
				lineNo := line.Line
				entries = append(entries, &model.LedgerEntry{
					GoodsID: line.GoodsID, CategoryID: goods[line.GoodsID].CategoryID, Direction: model.DirectionOut,
					Quantity: -a.Quantity, UnitCost: a.UnitCost, Amount: -a.Amount,
					StockOutLine: &lineNo, LotID: a.LotID,
				})
			}
			if err := moves.add(i, line.GoodsID, -line.Quantity, -line.Cost); err != nil {
				return err
			}
			if doc.TotalCost, err = model.AddMoney(doc.TotalCost, line.Cost); err != nil {
				return model.WithField(err, lineField(i, "quantity"))
			}
		}
		if doc.Code == "" {
			if doc.Code, err = s.nextCode(ctx, tx, stockOutPrefix, doc.CreatedAt); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(doc).Exec(ctx); err != nil {
			return err
		}
		for _, l := range lines {
			l.StockOutID = doc.ID
		}
		if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
			return fmt.Errorf("insert lines: %w", err)
		}
		for _, c := range order {
			if c.lot.Remaining == c.before {
				continue
			}
			// Compare-and-set on the remaining read under the goods lock: it
			// cannot have moved, and if it ever did this fails loudly
			// instead of allocating the same quantity twice.
			res, err := tx.NewUpdate().Model((*model.Lot)(nil)).
				Set("remaining = ?", c.lot.Remaining).Set("depleted = ?", c.lot.Remaining == 0).
				Where("id = ?", c.lot.ID).Where("remaining = ?", c.before).Exec(ctx)
			if err != nil {
				return fmt.Errorf("update lot %d: %w", c.lot.ID, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("lot %d changed under its goods lock", c.lot.ID)
			}
		}
		for _, e := range entries {
			e.At, e.DocumentCode, e.StockOutID = doc.OccurredAt, doc.Code, &doc.ID
		}
		if _, err := tx.NewInsert().Model(&entries).Exec(ctx); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
		return moveStock(ctx, tx, moves)
	})
	if err != nil {
		return documentError(err, "stock-out", doc.Code, doc.IdempotencyKey, func() (*model.StockOut, error) {
			return s.replayStockOut(ctx, doc)
		})
	}
	return doc, nil
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
