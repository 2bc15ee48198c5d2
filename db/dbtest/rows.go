package dbtest

import (
	"context"
	"database/sql"
	"testing"
)

// Query runs query and returns its column names and every row, with the
// driver's bytes as strings, failing t on any error.
func Query(t testing.TB, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string) (cols []string, rows [][]any) {
	t.Helper()
	rs, err := q.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rs.Close()
	if cols, err = rs.Columns(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		rows = append(rows, vals)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return cols, rows
}
