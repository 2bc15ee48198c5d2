package dbtest

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Extremes are the rows WriteExtremes wrote, by id.
type Extremes struct {
	Category  int64
	Goods     []int64
	StockIns  []int64
	StockOuts []int64
	Lots      []int64
	Ledger    []int64
}

// Times at the edges of what each database holds in a DATETIME/TIMESTAMP
// column, written as that database's own text. On MySQL/MariaDB the zero
// date "0000-00-00" goes only into columns no list sorts by: it reads as
// the same instant as 0001-01-01, which a sorted column also holds.
var extremeTimes = map[string][]string{
	SQLite: {"0001-01-01 00:00:00+00:00", "0000-01-01 00:00:00+00:00", "9999-12-31 23:59:59.999999+00:00"},
	MySQL:  {"0001-01-01 00:00:00", "1000-01-01 00:00:00", "9999-12-31 23:59:59.999999"},
}

var zeroDate = map[string]string{SQLite: "0001-01-01 00:00:00+00:00", MySQL: "0000-00-00 00:00:00"}

// Numbers at the edges of a BIGINT. The smallest BIGINT itself is the
// model's mark of an unreadable number, so the smallest readable one is
// one above it.
const (
	maxBig = math.MaxInt64
	minBig = math.MinInt64 + 1
)

// WriteExtremes writes goods, stock-ins, lots, stock-outs, their lines and
// ledger entries straight into the tables, bypassing the Store and its
// checks: times at the ends of the column's range, the largest and smallest
// BIGINTs in every quantity, cost, amount, on-hand and value column, and enum
// columns holding words wms does not know. Foreign keys and CHECK
// constraints hold, as the database enforces them. No read may fail over
// these rows.
func WriteExtremes(t testing.TB, bdb *bun.DB) Extremes {
	t.Helper()
	ctx := context.Background()
	conn, err := bdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := SQLite
	if bdb.Dialect().Name() == dialect.MySQL {
		name = MySQL
		// A server in MySQL 8's default mode refuses the zero date; the
		// connection goes back to the pool with its mode as it was.
		for _, q := range []string{"SET @saved_mode = @@SESSION.sql_mode", "SET SESSION sql_mode = 'STRICT_TRANS_TABLES'"} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		defer func() { _, _ = conn.ExecContext(ctx, "SET SESSION sql_mode = @saved_mode") }()
	}
	at, zero := extremeTimes[name], zeroDate[name]
	var x Extremes
	insert := func(ids *[]int64, query string, args ...any) int64 {
		t.Helper()
		res, err := conn.ExecContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			t.Fatal(err)
		}
		if ids != nil {
			*ids = append(*ids, id)
		}
		return id
	}
	x.Category = insert(nil, `INSERT INTO categories (name, name_key, created_at, updated_at) VALUES ('edge cases', 'edge cases', ?, ?)`, at[0], at[2])

	// Goods: on hand and value at both ends; one with 0.001 on hand worth the
	// largest BIGINT (an average cost that does not fit); one with nothing
	// on hand and a value.
	for i, g := range []struct{ onHand, value, threshold int64 }{
		{maxBig, maxBig, maxBig}, {minBig, minBig, minBig}, {1, maxBig, 0}, {0, maxBig, 5},
	} {
		created := zero
		if i > 0 {
			created = at[i%3]
		}
		n := fmt.Sprintf("edge %d", i+1)
		id := insert(&x.Goods, `INSERT INTO goods (name, name_key, category_id, unit, low_stock_threshold, search_text,
			on_hand, stock_value, created_at, updated_at) VALUES (?, ?, ?, 'kg', ?, ?, ?, ?, ?, ?)`,
			n, n, x.Category, g.threshold, n, g.onHand, g.value, created, at[2])
		// The same figures at the first location.
		if _, err := conn.ExecContext(ctx, `INSERT INTO stock_levels (goods_id, location_id, on_hand, stock_value)
			VALUES (?, (SELECT MIN(id) FROM locations), ?, ?)`, id, g.onHand, g.value); err != nil {
			t.Fatal(err)
		}
	}

	// One stock-in per extreme time, with an unknown and an empty type, and
	// one lot and one IN ledger entry each.
	types := []string{"PURCHASE", "NO_SUCH_TYPE", ""}
	amounts := []int64{maxBig, minBig, 0}
	for i, when := range at {
		g := x.Goods[i%len(x.Goods)]
		doc := insert(&x.StockIns, `INSERT INTO stock_ins (code, type, location_id, occurred_at, total_amount, request_hash, created_at)
			VALUES (?, ?, (SELECT MIN(id) FROM locations), ?, ?, '', ?)`, fmt.Sprintf("EDGE-IN-%d", i+1), types[i], when, amounts[i], zero)
		// remaining ≤ received and depleted = (remaining = 0) are CHECKed.
		received, remaining := int64(maxBig), int64(maxBig-i)
		if i == 2 {
			remaining = 0
		}
		lot := insert(&x.Lots, `INSERT INTO lots (stock_in_id, line, goods_id, location_id, received_quantity, remaining, unit_cost,
			amount, received_at, depleted) VALUES (?, 1, ?, (SELECT MIN(id) FROM locations), ?, ?, ?, ?, ?, ?)`,
			doc, g, received, remaining, amounts[(i+1)%3], amounts[i], when, remaining == 0)
		insert(&x.Ledger, `INSERT INTO ledger_entries (at, goods_id, category_id, location_id, direction, kind, quantity, unit_cost,
			amount, document_code, stock_in_id, lot_id) VALUES (?, ?, ?, (SELECT MIN(id) FROM locations), 'IN', ?, ?, ?, ?, ?, ?, ?)`,
			when, g, x.Category, types[i], received, amounts[(i+1)%3], amounts[i], fmt.Sprintf("EDGE-IN-%d", i+1), doc, lot)
	}

	// One stock-out per extreme time, with unknown reasons, a line each and
	// an OUT ledger entry (one with an unknown direction).
	reasons := []string{"CONSUME", "NO_SUCH_REASON", "lost at sea"}
	directions := []string{"OUT", "UP", "OUT"}
	for i, when := range at {
		g := x.Goods[i%len(x.Goods)]
		code := fmt.Sprintf("EDGE-OUT-%d", i+1)
		doc := insert(&x.StockOuts, `INSERT INTO stock_outs (code, reason, location_id, occurred_at, total_cost, request_hash, created_at)
			VALUES (?, ?, (SELECT MIN(id) FROM locations), ?, ?, '', ?)`, code, reasons[i], when, amounts[(i+2)%3], zero)
		if _, err := conn.ExecContext(ctx, `INSERT INTO stock_out_lines (stock_out_id, line, goods_id, quantity, cost)
			VALUES (?, 1, ?, ?, ?)`, doc, g, amounts[i], amounts[(i+1)%3]); err != nil {
			t.Fatal(err)
		}
		insert(&x.Ledger, `INSERT INTO ledger_entries (at, goods_id, category_id, location_id, direction, kind, quantity, unit_cost,
			amount, document_code, stock_out_id, stock_out_line, lot_id) VALUES (?, ?, ?, (SELECT MIN(id) FROM locations), ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			when, g, x.Category, directions[i], reasons[i], amounts[(i+2)%3], amounts[i], amounts[(i+1)%3], code, doc, x.Lots[i])
	}
	return x
}

// Unreadable is what WriteUnreadable stores in each number column it
// damages, by database: SQLite keeps a REAL or a TEXT in an INTEGER
// column; a BIGINT column holds only integers, and the smallest one is the
// model's mark of an unreadable number.
var unreadable = map[string][]any{
	SQLite: {9.3e18, "not a number", 2.5, math.MinInt64},
	MySQL:  {int64(math.MinInt64)},
}

// WriteUnreadable overwrites number columns of the rows x names with values
// that have no exact integer reading (see unreadable): on-hand, value and
// threshold of the first two goods, unit cost and remaining of the first lot,
// the totals of the first stock-in and stock-out, their line's cost, and the
// amount of the first two ledger entries.
func WriteUnreadable(t testing.TB, bdb *bun.DB, x Extremes) {
	t.Helper()
	name := SQLite
	if bdb.Dialect().Name() == dialect.MySQL {
		name = MySQL
	}
	vals := unreadable[name]
	v := func(i int) any { return vals[i%len(vals)] }
	ctx := context.Background()
	for i, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE goods SET on_hand = ?, stock_value = ?, low_stock_threshold = ? WHERE id = ?`, []any{v(1), v(0), v(2), x.Goods[0]}},
		{`UPDATE goods SET stock_value = ? WHERE id = ?`, []any{v(3), x.Goods[1]}},
		{`UPDATE stock_levels SET on_hand = ?, stock_value = ? WHERE goods_id = ?`, []any{v(1), v(0), x.Goods[0]}},
		{`UPDATE lots SET unit_cost = ?, amount = ? WHERE id = ?`, []any{v(2), v(0), x.Lots[0]}},
		{`UPDATE stock_ins SET total_amount = ? WHERE id = ?`, []any{v(1), x.StockIns[0]}},
		{`UPDATE stock_outs SET total_cost = ? WHERE id = ?`, []any{v(0), x.StockOuts[0]}},
		{`UPDATE stock_out_lines SET cost = ?, quantity = ? WHERE stock_out_id = ?`, []any{v(2), v(3), x.StockOuts[0]}},
		{`UPDATE ledger_entries SET amount = ?, unit_cost = ? WHERE id IN (?, ?)`, []any{v(1), v(2), x.Ledger[0], x.Ledger[3]}},
	} {
		if _, err := bdb.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("unreadable %d: %s: %v", i, q.sql, err)
		}
	}
}

// WriteUnreadableTimes overwrites, on SQLite, time columns of the rows x
// names with values that are no time: a text, an integer and a real. (A
// MySQL DATETIME holds only times.)
func WriteUnreadableTimes(t testing.TB, bdb *bun.DB, x Extremes) {
	t.Helper()
	if bdb.Dialect().Name() == dialect.MySQL {
		return
	}
	ctx := context.Background()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE goods SET created_at = 'yesterday', updated_at = 20261124 WHERE id = ?`, []any{x.Goods[1]}},
		{`UPDATE categories SET created_at = 1.5 WHERE id = ?`, []any{x.Category}},
		{`UPDATE stock_ins SET occurred_at = 'not a time', created_at = 7 WHERE id = ?`, []any{x.StockIns[1]}},
		{`UPDATE lots SET received_at = 12345 WHERE id = ?`, []any{x.Lots[1]}},
		{`UPDATE stock_outs SET occurred_at = 2.5 WHERE id = ?`, []any{x.StockOuts[1]}},
		{`UPDATE ledger_entries SET at = 'soon' WHERE id = ?`, []any{x.Ledger[1]}},
	} {
		if _, err := bdb.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
}
