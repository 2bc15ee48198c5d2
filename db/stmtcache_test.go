package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// openCachingSQLite opens a SQLite file as Open does, on one connection, so
// the test can look at that connection's statements.
func openCachingSQLite(t *testing.T) *sql.DB {
	t.Helper()
	sqldb, err := openSQL(Options{Driver: SQLite, SQLitePath: filepath.Join(t.TempDir(), "wms.db"),
		MaxOpenConns: 1, ConnMaxLifetime: time.Hour, ConnMaxIdleTime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqldb.Close() })
	for _, q := range []string{
		"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
		"INSERT INTO t (name) VALUES ('a'), ('b'), ('c')",
	} {
		if _, err := sqldb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return sqldb
}

// kept returns the texts of the statements the connection keeps and the
// statement kept for query (nil when none).
func kept(t *testing.T, sqldb *sql.DB, query string) (int, *cachedStmt) {
	t.Helper()
	conn, err := sqldb.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	var cs *cachedStmt
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("the SQLite connection is a %T, not a statement-keeping one", dc)
		}
		n = c.order.Len()
		if e := c.stmts[query]; e != nil {
			cs = e.Value.(*cachedStmt)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, cs
}

func names(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string) []string {
	t.Helper()
	rows, err := q.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSQLiteKeepsSelectsPrepared(t *testing.T) {
	sqldb := openCachingSQLite(t)
	const q = "SELECT name FROM t ORDER BY id"
	for range 3 {
		if got := fmt.Sprint(names(t, sqldb, q)); got != "[a b c]" {
			t.Fatalf("names: %s", got)
		}
	}
	n, first := kept(t, sqldb, q)
	if first == nil || first.busy {
		t.Fatalf("the SELECT is not kept, or kept as in use (%d kept)", n)
	}
	names(t, sqldb, q)
	if _, again := kept(t, sqldb, q); again != first {
		t.Error("running the SELECT again prepared it again instead of using the kept statement")
	}
	// Writes are not kept.
	if _, err := sqldb.Exec("UPDATE t SET name = 'A' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if n2, _ := kept(t, sqldb, "UPDATE t SET name = 'A' WHERE id = 1"); n2 != n {
		t.Errorf("an UPDATE was kept: %d statements, was %d", n2, n)
	}
	if got := fmt.Sprint(names(t, sqldb, q)); got != "[A b c]" {
		t.Errorf("after the update, the kept statement reads %s", got)
	}
}

func TestKeptSelectSeesSchemaChanges(t *testing.T) {
	sqldb := openCachingSQLite(t)
	const q = "SELECT * FROM t ORDER BY id"
	cols := func() []string {
		rows, err := sqldb.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := fmt.Sprint(cols()); got != "[id name]" {
		t.Fatalf("columns %s", got)
	}
	if _, err := sqldb.Exec("ALTER TABLE t ADD COLUMN note TEXT"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cols()); got != "[id name note]" {
		t.Errorf("after ALTER TABLE the kept SELECT * gives columns %s", got)
	}
}

// Two queries of one text open at once on one connection (in a
// transaction): the second runs unprepared, and both read every row.
func TestKeptSelectInUseRunsUnprepared(t *testing.T) {
	sqldb := openCachingSQLite(t)
	const q = "SELECT name FROM t ORDER BY id"
	names(t, sqldb, q)
	tx, err := sqldb.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var s string
		if err := outer.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s+fmt.Sprint(names(t, tx, q)))
		if len(got) > 3 {
			t.Fatalf("the outer read goes on past its three rows: %v", got)
		}
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "[a[a b c] b[a b c] c[a b c]]"; fmt.Sprint(got) != want {
		t.Errorf("nested reads of one text: %v, want %s", got, want)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, cs := kept(t, sqldb, q); cs == nil || cs.busy {
		t.Error("after its rows closed, the statement is missing or still in use")
	}
}

func TestStatementCacheKeepsToItsSize(t *testing.T) {
	sqldb := openCachingSQLite(t)
	for i := range 3 * stmtCacheSize {
		q := fmt.Sprintf("SELECT name FROM t WHERE id <= %d ORDER BY id", i%4)
		if got := len(names(t, sqldb, q+fmt.Sprintf(" LIMIT %d", 10+i))); got != min(i%4, 3) {
			t.Fatalf("%s: %d rows", q, got)
		}
	}
	if n, _ := kept(t, sqldb, ""); n != stmtCacheSize {
		t.Errorf("%d statements kept, want the cache's size %d", n, stmtCacheSize)
	}
}
