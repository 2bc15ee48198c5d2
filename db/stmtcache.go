package db

import (
	lru "container/list"
	"context"
	"database/sql/driver"
	"reflect"
	"strings"
)

// SQLite compiles every statement it runs: on a page of goods, preparing the
// page and count queries is as much work as running them. Each SQLite
// connection therefore keeps its most recently used SELECT statements
// prepared, by their text, and runs one again by resetting it, as a prepared
// statement is run. Bun writes a query's arguments into its text, so the same
// text means the same statement with the same values: the first page of a
// list, its count, a token's lookup. A text seen once costs what it cost
// before: prepared, run, and finalized when it leaves the cache instead of
// right away. SQLite prepares a statement again by itself when the schema
// changed since (sqlite3_prepare_v2).
//
// A statement is used by one query at a time: while its rows are open (two
// queries of one text in a transaction), the same text runs unprepared.

// stmtCacheSize is how many statements each connection keeps prepared.
const stmtCacheSize = 32

// sqliteConn is what the SQLite driver's connection offers database/sql.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConnector opens SQLite connections that keep statements prepared.
type cachingConnector struct {
	dsn string
	drv driver.Driver
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		return conn, nil // a driver unlike the one this was written for: as it is
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*lru.Element{}, order: lru.New()}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// cachingConn is one connection with its prepared statements, most recently
// used first. database/sql uses a connection from one goroutine at a time.
type cachingConn struct {
	sqliteConn
	stmts map[string]*lru.Element // of *cachedStmt
	order *lru.List
}

type cachedStmt struct {
	query string
	stmt  driver.StmtQueryContext
	close func() error
	busy  bool // its rows are open
}

// QueryContext runs a SELECT with its prepared statement, preparing and
// keeping it when it is not kept yet.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if e, ok := c.stmts[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return c.sqliteConn.QueryContext(ctx, query, args)
		}
		c.order.MoveToFront(e)
		return c.run(ctx, cs, args)
	}
	if !isSelect(query) || !c.makeRoom() {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	sq, ok := st.(driver.StmtQueryContext)
	if !ok {
		_ = st.Close()
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	cs := &cachedStmt{query: query, stmt: sq, close: st.Close}
	c.stmts[query] = c.order.PushFront(cs)
	return c.run(ctx, cs, args)
}

func (c *cachingConn) run(ctx context.Context, cs *cachedStmt, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, stmt: cs}, nil
}

// makeRoom drops the least recently used statement that is not in use when
// the cache is full; false when every one is in use.
func (c *cachingConn) makeRoom() bool {
	if c.order.Len() < stmtCacheSize {
		return true
	}
	for e := c.order.Back(); e != nil; e = e.Prev() {
		if cs := e.Value.(*cachedStmt); !cs.busy {
			c.order.Remove(e)
			delete(c.stmts, cs.query)
			_ = cs.close()
			return true
		}
	}
	return false
}

// Close finalizes the kept statements, then closes the connection.
func (c *cachingConn) Close() error {
	for e := c.order.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).close()
	}
	c.order.Init()
	clear(c.stmts)
	return c.sqliteConn.Close()
}

func isSelect(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

// cachedRows are the rows of a kept statement; closing them resets it for
// its next use.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}

// The column type methods database/sql asks the driver's rows for.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
