package db_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// pageQueries remembers the SQL of every page query a Bun handle runs (the
// statements with ORDER BY … LIMIT), so a test can ask the database how it
// runs exactly what the Store sent.
type pageQueries struct {
	mu  sync.Mutex
	sql []string
}

func (p *pageQueries) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (p *pageQueries) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "ORDER BY") && strings.Contains(e.Query, "LIMIT") {
		p.mu.Lock()
		p.sql = append(p.sql, e.Query)
		p.mu.Unlock()
	}
}

func (p *pageQueries) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.sql
	p.sql = nil
	return q
}

// The first page of the goods and stock lists with their default filter (not
// archived) reads its rows in order from an index on (archived, sort key,
// id): 50 rows, where without one the database sorts every goods. Checked on
// the plan each database gives for the statement the Store sends.
func TestDefaultListPagesReadAnIndexInOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		queries := &pageQueries{}
		s := db.NewStore(bdb.WithQueryHook(queries))
		c := mustCategory(t, s, "Plans")
		// 1 000 goods, one in five archived, written in one statement.
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		gs := make([]*model.Goods, 1000)
		for i := range gs {
			name := fmt.Sprintf("goods %04d", (i*37)%1000)
			gs[i] = &model.Goods{Name: name, NameKey: name, SearchText: name, CategoryID: c.ID, Unit: "kg",
				Archived: i%5 == 0, CreatedAt: at.Add(time.Duration(i) * time.Second), UpdatedAt: at}
		}
		if _, err := bdb.NewInsert().Model(&gs).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		mysql := bdb.Dialect().Name() == dialect.MySQL
		if mysql {
			// Up-to-date statistics, as the server keeps them by itself
			// once the table has settled.
			if _, err := bdb.ExecContext(ctx, "ANALYZE TABLE goods, categories"); err != nil {
				t.Fatal(err)
			}
		}

		first := 50
		p := model.PageArgs{First: &first}
		for _, l := range []struct {
			name, index string
			read        func() error
		}{
			{"goodsList", "goods_live_name", func() error { _, err := s.GoodsList(ctx, model.GoodsFilter{}, p); return err }},
			{"goodsList by name, descending", "goods_live_name", func() error {
				_, err := s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderNameDesc}, p)
				return err
			}},
			{"goodsList newest first", "goods_live_created", func() error {
				_, err := s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderCreatedAtDesc}, p)
				return err
			}},
			{"stock", "goods_live_name", func() error { _, err := s.Stock(ctx, model.StockFilter{}, p); return err }},
		} {
			if err := l.read(); err != nil {
				t.Fatalf("%s: %v", l.name, err)
			}
			sent := queries.take()
			if len(sent) != 1 {
				t.Fatalf("%s: %d page queries: %q", l.name, len(sent), sent)
			}
			plan := explain(t, bdb, sent[0])
			if !strings.Contains(plan, l.index) || strings.Contains(plan, "filesort") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("%s: %s\nruns as\n%s\nwant it read through %s, without a sort", l.name, sent[0], plan, l.index)
			}
		}
	})
}

// explain returns the plan the database gives for query, one line per row:
// MySQL's EXPLAIN (table, key, Extra), SQLite's EXPLAIN QUERY PLAN.
func explain(t *testing.T, bdb *bun.DB, query string) string {
	t.Helper()
	if bdb.Dialect().Name() != dialect.MySQL {
		rows, err := bdb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, detail)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, "\n")
	}
	cols, rows := dbtest.Query(t, bdb, "EXPLAIN "+query)
	var lines []string
	for _, vals := range rows {
		var line []string
		for i, c := range cols {
			if c == "table" || c == "type" || c == "key" || c == "Extra" {
				line = append(line, fmt.Sprintf("%s=%v", c, vals[i]))
			}
		}
		lines = append(lines, strings.Join(line, " "))
	}
	return strings.Join(lines, "\n")
}
