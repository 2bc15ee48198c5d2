package db

import (
	"context"
	"errors"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"wms/model"
)

// Everything that differs between SQLite and MySQL lives in this file, chosen
// by the dialect name: how rows are locked, how errors are recognised.

func isMySQL(db bun.IDB) bool { return db.Dialect().Name() == dialect.MySQL }

// forUpdate locks the selected rows until the transaction ends. MySQL takes
// row locks; SQLite has no FOR UPDATE (it is a syntax error there) and needs
// none, because its write transactions are serialised as a whole (BEGIN
// IMMEDIATE and the Store's write mutex).
func forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if isMySQL(q.DB()) {
		return q.For("UPDATE")
	}
	return q
}

// SQLite result codes (extended codes carry the primary code in the low byte).
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteConstraint = 19
	sqliteUnique     = 2067
	sqlitePrimaryKey = 1555
	sqliteForeignKey = 787
)

// MySQL error numbers.
const (
	mysqlDupEntry        = 1062
	mysqlRowIsReferenced = 1451
	mysqlNoReferencedRow = 1452
	mysqlRowIsRefd2      = 1217
	mysqlNoRefdRow2      = 1216
	mysqlLockWaitTimeout = 1205
	mysqlDeadlock        = 1213
)

func mysqlCode(err error) (uint16, bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number, true
	}
	return 0, false
}

// sqliteCode reads the (extended) result code of a modernc.org/sqlite error.
func sqliteCode(err error) (int, bool) {
	var ce interface{ Code() int }
	if errors.As(err, &ce) {
		return ce.Code(), true
	}
	return 0, false
}

// isUniqueViolation reports a duplicate key.
func isUniqueViolation(err error) bool {
	if n, ok := mysqlCode(err); ok {
		return n == mysqlDupEntry
	}
	if c, ok := sqliteCode(err); ok {
		return c == sqliteUnique || c == sqlitePrimaryKey
	}
	return false
}

// isForeignKeyViolation reports a row still referenced, or a reference to a
// row that does not exist.
func isForeignKeyViolation(err error) bool {
	if n, ok := mysqlCode(err); ok {
		return n == mysqlRowIsReferenced || n == mysqlNoReferencedRow || n == mysqlRowIsRefd2 || n == mysqlNoRefdRow2
	}
	if c, ok := sqliteCode(err); ok {
		return c == sqliteForeignKey
	}
	return false
}

// isRetryable reports an error after which the whole transaction may simply
// be run again: a deadlock or lock wait timeout on MySQL, a busy or locked
// database on SQLite.
func isRetryable(err error) bool {
	if n, ok := mysqlCode(err); ok {
		return n == mysqlDeadlock || n == mysqlLockWaitTimeout
	}
	if c, ok := sqliteCode(err); ok {
		return c&0xff == sqliteBusy || c&0xff == sqliteLocked
	}
	return false
}

// codesAhead reports whether a document takes its generated code in a
// statement of its own before its transaction (Store.earlyCode) rather than
// inside it. On MySQL the counter row is locked from the increment until the
// transaction ends, so taken inside, it would make every document wait for
// the one before, whatever goods they touch; taken ahead, it is held for one
// statement. SQLite runs one write transaction at a time anyway, so there
// the code is taken inside, where a refused document leaves no gap.
func codesAhead(db bun.IDB) bool { return isMySQL(db) }

// incrementCounter adds one to the counter (prefix, day), creating it at 1,
// and returns its new value — one statement on either database, in a
// document's transaction or, given the DB itself, as a transaction of its
// own. MySQL has no RETURNING: LAST_INSERT_ID(expr) hands the value back as
// the insert id.
func incrementCounter(ctx context.Context, db bun.IDB, prefix, day string) (int64, error) {
	if isMySQL(db) {
		res, err := db.ExecContext(ctx, `INSERT INTO document_counters (prefix, day, last)
			VALUES (?, ?, LAST_INSERT_ID(1))
			ON DUPLICATE KEY UPDATE last = LAST_INSERT_ID(last + 1)`, prefix, day)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var n int64
	err := db.QueryRowContext(ctx, `INSERT INTO document_counters (prefix, day, last)
		VALUES (?, ?, 1)
		ON CONFLICT (prefix, day) DO UPDATE SET last = last + 1
		RETURNING last`, prefix, day).Scan(&n)
	return n, err
}

// addToStockLevels adds each row's on hand and value to the stock of its
// (goods, location), creating the row at those figures when it is the first
// movement there — one statement for all of them, an upsert in each
// dialect's words. The caller holds the goods locks.
func addToStockLevels(ctx context.Context, db bun.IDB, rows []*model.LocationStock) error {
	if len(rows) == 0 {
		return nil
	}
	q := db.NewInsert().Model(&rows)
	if isMySQL(db) {
		q = q.On("DUPLICATE KEY UPDATE").
			Set("on_hand = on_hand + VALUES(on_hand)").
			Set("stock_value = stock_value + VALUES(stock_value)")
	} else {
		q = q.On("CONFLICT (goods_id, location_id) DO UPDATE").
			Set("on_hand = sl.on_hand + EXCLUDED.on_hand").
			Set("stock_value = sl.stock_value + EXCLUDED.stock_value")
	}
	_, err := q.Exec(ctx)
	return err
}
