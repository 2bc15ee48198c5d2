package db_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/rs/zerolog"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// handStockOut is Store.CreateStockOut for one line written by hand in
// database/sql: the same statements' worth of work, without Bun, the domain
// types or the general engine, as the benchmark's ceiling.
type handStockOut struct {
	sqldb *sql.DB
	mysql bool
	// writeMu serialises writers on SQLite, as the Store does: one writer at
	// a time is all SQLite allows, and queuing here beats its busy loop.
	writeMu *sync.Mutex
	now     func() time.Time
	// location is where the goods leave from: the shop's one location.
	location int64
}

func newHandStockOut(sqldb *sql.DB, name string) *handStockOut {
	h := &handStockOut{sqldb: sqldb, mysql: name == dbtest.MySQL, now: time.Now}
	if !h.mysql {
		h.writeMu = new(sync.Mutex)
	}
	if err := sqldb.QueryRow(`SELECT MIN(id) FROM locations`).Scan(&h.location); err != nil {
		panic(err)
	}
	return h
}

var errShort = errors.New("insufficient stock")

// run takes qty (in thousandths) of the goods out, oldest lots first, as one
// CONSUME stock-out, retrying on a deadlock as the Store does. On MySQL, as
// the Store does, it takes the document's code before the transaction, in a
// statement of its own, when the goods has enough on hand.
func (h *handStockOut) run(ctx context.Context, goodsID, qty int64) error {
	code := ""
	var err error
	if h.mysql {
		var onHand int64
		if err := h.sqldb.QueryRowContext(ctx, `SELECT on_hand FROM stock_levels WHERE goods_id = ? AND location_id = ?`,
			goodsID, h.location).Scan(&onHand); err == nil && onHand >= qty {
			for range 10 {
				if code, err = h.nextCode(ctx, h.sqldb, h.now().UTC()); err == nil || !retryable(err) {
					break
				}
			}
			if err != nil {
				return err
			}
		}
	}
	for range 10 {
		if err = h.once(ctx, goodsID, qty, code); err == nil || !retryable(err) {
			return err
		}
	}
	return err
}

// execQuerier is a *sql.Tx or a *sql.DB.
type execQuerier interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// nextCode takes the day's next stock-out code in q: a transaction, or the
// pool for a statement of its own.
func (h *handStockOut) nextCode(ctx context.Context, q execQuerier, now time.Time) (string, error) {
	day := now.Format("20060102")
	var n int64
	if h.mysql {
		res, err := q.ExecContext(ctx, `INSERT INTO document_counters (prefix, day, last) VALUES ('OUT', ?, LAST_INSERT_ID(1))
			ON DUPLICATE KEY UPDATE last = LAST_INSERT_ID(last + 1)`, day)
		if err != nil {
			return "", err
		}
		if n, err = res.LastInsertId(); err != nil {
			return "", err
		}
	} else if err := q.QueryRowContext(ctx, `INSERT INTO document_counters (prefix, day, last) VALUES ('OUT', ?, 1)
		ON CONFLICT (prefix, day) DO UPDATE SET last = last + 1 RETURNING last`, day).Scan(&n); err != nil {
		return "", err
	}
	return fmt.Sprintf("OUT-%s-%04d", day, n), nil
}

// once runs the stock-out's transaction, with code, or taking one when code
// is "".
func (h *handStockOut) once(ctx context.Context, goodsID, qty int64, code string) error {
	if h.writeMu != nil {
		h.writeMu.Lock()
		defer h.writeMu.Unlock()
	}
	now := h.now().UTC().Truncate(time.Microsecond)
	hash := sha256.New()
	_ = json.NewEncoder(hash).Encode(map[string]any{"reason": "CONSUME", "lines": []any{map[string]any{"goodsId": goodsID, "quantity": qty}}})
	requestHash := hex.EncodeToString(hash.Sum(nil))
	lock := ""
	if h.mysql {
		lock = " FOR UPDATE"
	}
	tx, err := h.sqldb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// Lock the goods, then read its lots under that lock, oldest first.
	var category int64
	if err := tx.QueryRowContext(ctx, `SELECT category_id FROM goods WHERE id = ?`+lock, goodsID).Scan(&category); err != nil {
		return fmt.Errorf("lock goods: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, remaining, unit_cost FROM lots
		WHERE goods_id = ? AND location_id = ? AND depleted = FALSE ORDER BY received_at, id`+lock, goodsID, h.location)
	if err != nil {
		return err
	}
	type take struct{ lot, before, after, cost, amount int64 }
	var takes []take
	left := qty
	// What is left at the location after the stock-out, for its event.
	var onHand, value int64
	for rows.Next() {
		var t take
		if err := rows.Scan(&t.lot, &t.before, &t.cost); err != nil {
			rows.Close()
			return err
		}
		t.after = t.before - min(left, t.before)
		left -= t.before - t.after
		onHand += t.after
		value += cents(t.after, t.cost)
		if t.after == t.before {
			continue
		}
		// The lot's value drops by round(before × cost) − round(after × cost).
		t.amount = cents(t.before, t.cost) - cents(t.after, t.cost)
		takes = append(takes, t)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if left > 0 {
		return errShort
	}
	var cost int64
	for _, t := range takes {
		cost += t.amount
	}

	// The day's next code, unless taken before.
	if code == "" {
		if code, err = h.nextCode(ctx, tx, now); err != nil {
			return err
		}
	}

	// The document, its line, the lots, the ledger and the goods' totals.
	res, err := tx.ExecContext(ctx, `INSERT INTO stock_outs (code, reason, location_id, occurred_at, total_cost, request_hash, created_at)
		VALUES (?, 'CONSUME', ?, ?, ?, ?, ?)`, code, h.location, now, cost, requestHash, now)
	if err != nil {
		return err
	}
	doc, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO stock_out_lines (stock_out_id, line, goods_id, quantity, cost) VALUES (?, 1, ?, ?, ?)`,
		doc, goodsID, qty, cost); err != nil {
		return err
	}
	for _, t := range takes {
		res, err := tx.ExecContext(ctx, `UPDATE lots SET remaining = ?, depleted = ? WHERE id = ? AND remaining = ?`,
			t.after, t.after == 0, t.lot, t.before)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("lot %d changed under its goods lock (%d rows, %v)", t.lot, n, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_entries
			(at, goods_id, category_id, location_id, direction, kind, quantity, unit_cost, amount, document_code, stock_out_id, stock_out_line, lot_id)
			VALUES (?, ?, ?, ?, 'OUT', 'CONSUME', ?, ?, ?, ?, ?, 1, ?)`,
			now, goodsID, category, h.location, -(t.before - t.after), t.cost, -t.amount, code, doc, t.lot); err != nil {
			return err
		}
	}
	// The running balance of the goods' CONSUME series: today's row is its
	// last row less what left, or, when later days have rows, those move too.
	balanceDay := now.Unix() / 86400
	var last, lastQty, lastAmount int64
	err = tx.QueryRowContext(ctx, `SELECT day, quantity, amount FROM ledger_balances
		WHERE goods_id = ? AND location_id = ? AND kind = 'CONSUME' AND direction = 'OUT' ORDER BY day DESC LIMIT 1`+lock,
		goodsID, h.location).Scan(&last, &lastQty, &lastAmount)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if last > balanceDay {
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_balances SET quantity = quantity - ?, amount = amount - ?
			WHERE goods_id = ? AND location_id = ? AND kind = 'CONSUME' AND direction = 'OUT' AND day > ?`,
			qty, cost, goodsID, h.location, balanceDay); err != nil {
			return err
		}
		lastQty, lastAmount = 0, 0
		err = tx.QueryRowContext(ctx, `SELECT quantity, amount FROM ledger_balances
			WHERE goods_id = ? AND location_id = ? AND kind = 'CONSUME' AND direction = 'OUT' AND day <= ? ORDER BY day DESC LIMIT 1`+lock,
			goodsID, h.location, balanceDay).Scan(&lastQty, &lastAmount)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	upsert := `INSERT INTO ledger_balances (goods_id, location_id, kind, direction, day, quantity, amount)
		VALUES (?, ?, 'CONSUME', 'OUT', ?, ?, ?) ON CONFLICT (goods_id, location_id, kind, direction, day) DO UPDATE
		SET quantity = EXCLUDED.quantity, amount = EXCLUDED.amount`
	if h.mysql {
		upsert = `INSERT INTO ledger_balances (goods_id, location_id, kind, direction, day, quantity, amount)
		VALUES (?, ?, 'CONSUME', 'OUT', ?, ?, ?) ON DUPLICATE KEY UPDATE quantity = VALUES(quantity), amount = VALUES(amount)`
	}
	if _, err := tx.ExecContext(ctx, upsert, goodsID, h.location, balanceDay, lastQty-qty, lastAmount-cost); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE goods SET on_hand = on_hand - ?, stock_value = stock_value - ? WHERE id = ?`,
		qty, cost, goodsID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stock_levels SET on_hand = on_hand - ?, stock_value = stock_value - ?
		WHERE goods_id = ? AND location_id = ?`, qty, cost, goodsID, h.location); err != nil {
		return err
	}
	// The outbox: the document, and the stock it left.
	ref := fmt.Sprintf(`{"kind":"STOCK_OUT","id":"%d","code":"%s"`, doc, code)
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (type, at, payload) VALUES ('DOCUMENT_CREATED', ?, ?), ('STOCK_CHANGED', ?, ?)`,
		now, fmt.Sprintf(`%s,"locationIds":["%d"]}`, ref, h.location),
		now, fmt.Sprintf(`{"goodsId":"%d","locationId":"%d","onHand":"%s","value":"%s","document":%s}}`,
			goodsID, h.location, model.Quantity(onHand), model.Money(value), ref)); err != nil {
		return err
	}
	return tx.Commit()
}

// cents is quantity (thousandths) × unit cost (ten-thousandths) in cents,
// rounded half up: model.Amount by hand.
func cents(q, c int64) int64 { return (q*c + 50_000) / 100_000 }

// retryable says whether a transaction lost a deadlock or a lock wait
// (MySQL) and may run again.
func retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// The hand-written stock-out does what the Store's does, row for row: the
// same stock-outs on two copies of one shop leave the same tables.
func TestHandWrittenStockOutMatchesTheStore(t *testing.T) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		t.Run(name, func(t *testing.T) {
			clock := func() time.Time { return time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC) }
			store, g1, _ := seedHotGoods(t, name, "10")
			store.Now = clock
			hand, g2, handDB := seedHotGoods(t, name, "10")
			h := newHandStockOut(handDB, name)
			h.now = clock
			// 3.5 + 3.5 + 3.5 crosses from the first lot into the second;
			// 10 more than is left fails and changes nothing.
			for _, qty := range []string{"3.5", "3.5", "3.5", "0.001", "10", "2.499"} {
				_, serr := store.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume,
					Lines: []*model.StockOutLineInput{{GoodsID: g1.ID, Quantity: model.MustQuantity(qty)}}})
				herr := h.run(ctx, g2.ID, int64(model.MustQuantity(qty)))
				if (serr == nil) != (herr == nil) {
					t.Fatalf("stock-out of %s: the Store says %v, the hand-written one %v", qty, serr, herr)
				}
			}
			checkInvariants(t, store)
			checkInvariants(t, hand)
			for _, q := range []string{
				`SELECT id, on_hand, stock_value FROM goods ORDER BY id`,
				`SELECT id, remaining, depleted FROM lots ORDER BY id`,
				`SELECT id, code, reason, location_id, total_cost FROM stock_outs ORDER BY id`,
				`SELECT goods_id, location_id, on_hand, stock_value FROM stock_levels ORDER BY goods_id, location_id`,
				`SELECT stock_out_id, line, goods_id, quantity, cost FROM stock_out_lines ORDER BY stock_out_id, line`,
				`SELECT goods_id, category_id, location_id, direction, kind, quantity, unit_cost, amount, document_code, stock_out_id,
				 stock_out_line, lot_id FROM ledger_entries ORDER BY id`,
				`SELECT prefix, day, last FROM document_counters ORDER BY prefix, day`,
				`SELECT type, payload FROM events ORDER BY id`,
				`SELECT goods_id, location_id, kind, direction, day, quantity, amount FROM ledger_balances
				 ORDER BY goods_id, location_id, kind, direction, day`,
			} {
				want, got := dump(t, store, q), dump(t, hand, q)
				if want != got {
					t.Errorf("%s\nStore:\n%s\nhand-written:\n%s", q, want, got)
				}
			}
		})
	}
}

// seedHotGoods makes a goods with two lots of qty, at 1.25 and then 1.5. It
// returns the Store and a database/sql pool on the same database for
// hand-written SQL (see seedStockedGoods).
func seedHotGoods(tb testing.TB, name, qty string) (*db.Store, *model.Goods, *sql.DB) {
	tb.Helper()
	s, gs, hand := seedStockedGoods(tb, name, 1, qty)
	return s, gs[0], hand
}

// seedStockedGoods makes n goods, each with two lots of qty, at 1.25 and then 1.5.
// It returns the Store and a database/sql pool on the same database for
// hand-written SQL: on MySQL one that sends each statement with its
// arguments in one round trip (interpolateParams), as Bun does, where plain
// database/sql would prepare, execute and close each statement.
func seedStockedGoods(tb testing.TB, name string, n int, qty string) (*db.Store, []*model.Goods, *sql.DB) {
	tb.Helper()
	opts := dbtest.Options(tb, name)
	bdb, err := db.Open(ctx, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = bdb.Close() })
	if err := db.Migrate(ctx, bdb, zerolog.Nop()); err != nil {
		tb.Fatal(err)
	}
	s := db.NewStore(bdb)
	hand := bdb.DB
	if name == dbtest.MySQL {
		cfg, err := db.MySQLConfig(opts.MySQL)
		if err != nil {
			tb.Fatal(err)
		}
		cfg.InterpolateParams = true
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		hand = sql.OpenDB(conn)
		hand.SetMaxOpenConns(opts.MaxOpenConns)
		hand.SetMaxIdleConns(opts.MaxOpenConns)
		tb.Cleanup(func() { _ = hand.Close() })
	}
	c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	gs := make([]*model.Goods, n)
	for i := range gs {
		if gs[i], err = s.CreateGoods(ctx, model.GoodsInput{Name: fmt.Sprintf("hot %d", i+1), CategoryID: c.ID}); err != nil {
			tb.Fatal(err)
		}
	}
	for _, cost := range []string{"1.25", "1.5"} {
		lines := make([]*model.StockInLineInput, n)
		for i, g := range gs {
			lines[i] = &model.StockInLineInput{GoodsID: g.ID, Quantity: model.MustQuantity(qty), UnitCost: model.MustUnitCost(cost)}
		}
		if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: lines}); err != nil {
			tb.Fatal(err)
		}
	}
	return s, gs, hand
}

// dump is a query's rows as text.
func dump(t *testing.T, s *db.Store, q string) string {
	t.Helper()
	_, rows := dbtest.Query(t, s.DB(), q)
	var out strings.Builder
	for _, r := range rows {
		fmt.Fprintln(&out, r...)
	}
	return out.String()
}
