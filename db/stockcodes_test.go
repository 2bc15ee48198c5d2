package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// Generated codes under concurrency. On MySQL a document takes its code in a
// statement of its own before its transaction, when a plain read says it will
// likely be served; on SQLite, inside its transaction. These tests hold locks
// by hand from a second transaction, so they run on MySQL only: SQLite runs
// one write transaction at a time, and there every document waits for the
// one before by design.

// TestDocumentsOnDifferentGoodsDoNotWait: a stock-out held up inside its
// transaction, after everything up to its ledger entries is written, holds
// up no stock-out on other goods — in particular not on the day's code
// counter.
func TestDocumentsOnDifferentGoodsDoNotWait(t *testing.T) {
	bdb := dbtest.Open(t, dbtest.MySQL)
	s := db.NewStore(bdb)
	gs := kitchen(t, s, 2)
	a, b := gs[0], gs[1]
	mustStockIn(t, s, in(a.ID, "10", "1"), in(b.ID, "10", "1"))
	if a.ID > b.ID {
		t.Fatalf("goods ids %d, %d: the lock below needs A's before B's", a.ID, b.ID)
	}

	// Lock A's ledger entries through the index on (goods_id, at, id). Under
	// REPEATABLE READ that also locks the gap after them, up to B's first
	// entry: where A's next entry goes, but not B's (after B's last).
	blocker := lockLedgerOf(t, bdb, a.ID)
	defer blocker.Rollback()

	outA := startStockOut(s, out(a.ID, "1"))
	waitForStatement(t, bdb, "INSERT INTO `ledger_entries`%", outA)

	bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	docB, err := s.CreateStockOut(bctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(b.ID, "1")}})
	if err != nil {
		t.Fatalf("stock-out on goods B while the one on goods A waits for a lock: %v", err)
	}
	select {
	case <-outA.done:
		t.Fatalf("the stock-out on goods A finished while its lock was held: %+v, %v", outA.doc, outA.err)
	default:
	}

	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	docA := outA.wait(t)
	if docA.Code == docB.Code || !codeForm.MatchString(docA.Code) || !codeForm.MatchString(docB.Code) {
		t.Errorf("codes %q and %q: want two distinct generated codes", docA.Code, docB.Code)
	}
	if a, b := level(t, s, a.ID).OnHand.String(), level(t, s, b.ID).OnHand.String(); a != "9" || b != "9" {
		t.Errorf("on hand %s and %s, want 9 and 9", a, b)
	}
	checkInvariants(t, s)
}

// TestRetriedStockOutKeepsItsCode: a stock-out whose transaction loses a
// deadlock runs again with the code it took before its first run, and takes
// no other number.
func TestRetriedStockOutKeepsItsCode(t *testing.T) {
	bdb := dbtest.Open(t, dbtest.MySQL)
	s := db.NewStore(bdb)
	s.Now = func() time.Time { return time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) }
	gs := kitchen(t, s, 20)
	a := gs[0]
	mustStockIn(t, s, in(a.ID, "10", "1"), in(gs[1].ID, "10", "1"))

	// The blocker changes many rows first, so that of the two transactions
	// in the deadlock below it is the heavier one, and InnoDB rolls back the
	// stock-out.
	blocker := lockLedgerOf(t, bdb, a.ID)
	defer blocker.Rollback()
	if _, err := blocker.ExecContext(ctx, `UPDATE goods SET note = 'counting' WHERE id > ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	outA := startStockOut(s, out(a.ID, "1"))
	waitForStatement(t, bdb, "INSERT INTO `ledger_entries`%", outA)
	// The stock-out holds goods A's row and waits for the blocker; the
	// blocker now waits for goods A's row. This statement returns only once
	// the stock-out's transaction has been rolled back: it cannot commit while
	// it waits for the blocker.
	var id int64
	if err := blocker.QueryRowContext(ctx, `SELECT id FROM goods WHERE id = ? FOR UPDATE`, a.ID).Scan(&id); err != nil {
		t.Fatalf("the blocker lost the deadlock, not the stock-out: %v", err)
	}
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	doc := outA.wait(t)
	var last int64
	if err := bdb.NewRaw(`SELECT last FROM document_counters WHERE prefix = 'OUT'`).Scan(ctx, &last); err != nil {
		t.Fatal(err)
	}
	if want := "OUT-20261124-0001"; doc.Code != want || last != 1 {
		t.Errorf("after a retry: code %s and the day's counter at %d, want %s and 1", doc.Code, last, want)
	}
	checkInvariants(t, s)
}

// TestRefusedDocumentsUseNoNumber: documents refused for what a look at the
// goods tells beforehand (a goods that does not exist, more asked than is on
// hand) leave no gap in the day's numbering, on either database.
func TestRefusedDocumentsUseNoNumber(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		s.Now = func() time.Time { return time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) }
		g := kitchen(t, s, 1)[0]
		if c := mustStockIn(t, s, in(g.ID, "5", "1")).Code; c != "IN-20261124-0001" {
			t.Fatalf("first code %s", c)
		}
		_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{in(g.ID, "1", "1"), in(404, "1", "1")}})
		wantField(t, err, model.CodeInvalid, "lines.1.goodsId")
		if c := mustStockIn(t, s, in(g.ID, "5", "1")).Code; c != "IN-20261124-0002" {
			t.Errorf("code after a refused stock-in %s, want IN-20261124-0002", c)
		}

		if c := mustStockOut(t, s, out(g.ID, "1")).Code; c != "OUT-20261124-0001" {
			t.Fatalf("first code %s", c)
		}
		// 9 are on hand: 5 + 5 asked on two lines is more.
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(g.ID, "5"), out(g.ID, "5")}})
		wantCode(t, err, model.CodeInsufficientStock)
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(404, "1")}})
		wantField(t, err, model.CodeInvalid, "lines.0.goodsId")
		if c := mustStockOut(t, s, out(g.ID, "9")).Code; c != "OUT-20261124-0002" {
			t.Errorf("code after refused stock-outs %s, want OUT-20261124-0002", c)
		}
		checkInvariants(t, s)
	})
}

// pendingStockOut is a stock-out running in a goroutine of its own.
type pendingStockOut struct {
	done chan struct{}
	doc  *model.StockOut
	err  error
}

func startStockOut(s *db.Store, lines ...*model.StockOutLineInput) *pendingStockOut {
	p := &pendingStockOut{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.doc, p.err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: lines})
	}()
	return p
}

// wait returns the stock-out once stored, and fails the test if it fails or
// takes more than a few seconds.
func (p *pendingStockOut) wait(t *testing.T) *model.StockOut {
	t.Helper()
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("stock-out: %v", p.err)
		}
		return p.doc
	case <-time.After(10 * time.Second):
		t.Fatal("the stock-out did not finish")
		return nil
	}
}

// lockLedgerOf begins a transaction on bdb that holds goods' ledger entries
// locked, through the index on (goods_id, at, id).
func lockLedgerOf(t *testing.T, bdb *bun.DB, goodsID int64) bun.Tx {
	t.Helper()
	tx, err := bdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM ledger_entries FORCE INDEX (ledger_goods_at) WHERE goods_id = ? FOR UPDATE`, goodsID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Close(); err != nil || n == 0 {
		t.Fatalf("lock the ledger of goods %d: %d entries, %v", goodsID, n, err)
	}
	return tx
}

// waitForStatement waits until a connection to this test's database runs a
// statement like query (a LIKE pattern), as p should; p's statement is then
// waiting for a lock that the test holds.
func waitForStatement(t *testing.T, bdb *bun.DB, query string, p *pendingStockOut) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("the stock-out finished before it reached %q: %+v, %v", query, p.doc, p.err)
		default:
		}
		var n int
		err := bdb.NewRaw(`SELECT COUNT(*) FROM information_schema.processlist
			WHERE db = DATABASE() AND command = 'Query' AND info LIKE ?`, query).Scan(ctx, &n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no statement like %q runs", query)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
