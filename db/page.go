package db

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// Lists are paged by keyset: the cursor carries the sort values of the last
// row seen, and the next page is "rows after these values" in index order. A
// page deep in a million rows then costs what the first page costs, and rows
// inserted meanwhile neither repeat nor vanish from the pages still to come.

type colKind int

const (
	kindInt colKind = iota
	kindString
	kindTime
)

// sortCol is one column of an order, as the SQL expression to compare.
type sortCol struct {
	expr string
	kind colKind
}

// listOrder is one sort order of a list: columns compared left to right, all
// in one direction, the last one unique (the id) so the order is total.
type listOrder struct {
	name string
	desc bool
	cols []sortCol
}

// cursor is the opaque text of an edge's cursor: base64url of this JSON.
type cursor struct {
	Order string `json:"o"`
	Keys  []any  `json:"k"`
}

func encodeCursor(ord listOrder, keys []any) string {
	for i, k := range keys {
		if t, ok := k.(time.Time); ok {
			keys[i] = t.UTC().Format(time.RFC3339Nano)
		}
	}
	b, _ := json.Marshal(cursor{Order: ord.name, Keys: keys})
	return base64.RawURLEncoding.EncodeToString(b)
}

func badCursor(reason string) error {
	return model.Invalid("after", "invalid cursor: %s", reason)
}

// decodeCursor reads a cursor made by encodeCursor for the same order.
func decodeCursor(s string, ord listOrder) ([]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, badCursor("not a cursor of this API")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var c cursor
	if err := dec.Decode(&c); err != nil {
		return nil, badCursor("not a cursor of this API")
	}
	if c.Order != ord.name {
		return nil, badCursor(fmt.Sprintf("it was made for order %s, not %s", c.Order, ord.name))
	}
	if len(c.Keys) != len(ord.cols) {
		return nil, badCursor("wrong number of keys")
	}
	keys := make([]any, len(c.Keys))
	for i, col := range ord.cols {
		switch col.kind {
		case kindInt:
			n, ok := c.Keys[i].(json.Number)
			if !ok {
				return nil, badCursor("bad key")
			}
			v, err := n.Int64()
			if err != nil {
				return nil, badCursor("bad key")
			}
			keys[i] = v
		case kindString:
			v, ok := c.Keys[i].(string)
			if !ok {
				return nil, badCursor("bad key")
			}
			keys[i] = v
		case kindTime:
			v, ok := c.Keys[i].(string)
			if !ok {
				return nil, badCursor("bad key")
			}
			t, err := time.Parse(time.RFC3339Nano, v)
			// A stored time is of the years 0000 to 9999 in UTC; anything
			// else was not made here and no database compares it sensibly.
			if y := t.UTC().Year(); err != nil || y < 0 || y > 9999 {
				return nil, badCursor("bad key")
			}
			keys[i] = t.UTC()
		}
	}
	return keys, nil
}

// after restricts q to the rows that follow keys in ord:
// (a > ?) OR (a = ? AND b > ?) OR … — spelled out rather than as a row
// comparison, which not every MySQL version turns into an index range.
func after(q *bun.SelectQuery, ord listOrder, keys []any) *bun.SelectQuery {
	op := " > ?"
	if ord.desc {
		op = " < ?"
	}
	var sql strings.Builder
	var args []any
	for i := range ord.cols {
		if i > 0 {
			sql.WriteString(" OR ")
		}
		sql.WriteByte('(')
		for j := 0; j < i; j++ {
			sql.WriteString(ord.cols[j].expr + " = ? AND ")
			args = append(args, keys[j])
		}
		sql.WriteString(ord.cols[i].expr + op)
		args = append(args, keys[i])
		sql.WriteByte(')')
	}
	return q.Where(sql.String(), args...)
}

func orderBy(q *bun.SelectQuery, ord listOrder) *bun.SelectQuery {
	dir := " ASC"
	if ord.desc {
		dir = " DESC"
	}
	for _, c := range ord.cols {
		q = q.OrderExpr(c.expr + dir)
	}
	return q
}

// list is how one list is read. base builds the filtered query afresh (it is
// counted as it is, for totalCount); rows runs a query built from base, with
// order and limit added, and reads its rows, at most size of them; keys gives
// a row's values for ord's columns.
type list[T any] struct {
	base func() *bun.SelectQuery
	rows func(ctx context.Context, q *bun.SelectQuery, size int) ([]*T, error)
	ord  listOrder
	keys func(*T) []any
}

// scanModels reads rows into models with Bun's scan.
func scanModels[T any](ctx context.Context, q *bun.SelectQuery, _ int) ([]*T, error) {
	var items []*T
	err := q.Scan(ctx, &items)
	return items, err
}

// page reads one page of the list of models that base selects, in order ord.
func page[T any](ctx context.Context, base func() *bun.SelectQuery, args model.PageArgs,
	ord listOrder, keys func(*T) []any,
) (*model.Page[*T], error) {
	return list[T]{base: base, rows: scanModels[T], ord: ord, keys: keys}.page(ctx, args)
}

// page reads one page of l.
func (l list[T]) page(ctx context.Context, args model.PageArgs) (*model.Page[*T], error) {
	limit, err := args.Limit()
	if err != nil {
		return nil, err
	}
	skip, err := args.Skip()
	if err != nil {
		return nil, err
	}
	q := l.base()
	if args.After != nil {
		k, err := decodeCursor(*args.After, l.ord)
		if err != nil {
			return nil, err
		}
		q = after(q, l.ord, k)
	}
	q = orderBy(q, l.ord).Limit(int64(limit) + 1)
	if skip > 0 {
		q = q.Offset(int64(skip))
	}
	var items []*T
	if limit > 0 {
		if items, err = l.rows(ctx, q, limit+1); err != nil {
			return nil, err
		}
	}
	p := &model.Page[*T]{
		HasPrev: args.After != nil || skip > 0,
		Count: func(ctx context.Context) (int, error) {
			n, err := l.base().Count(ctx)
			return int(n), err
		},
	}
	if len(items) > limit {
		items = items[:limit]
		p.HasNext = true
	}
	p.Items = items
	ord, keys := l.ord, l.keys
	p.Cursor = func(i int) string { return encodeCursor(ord, keys(items[i])) }
	return p, nil
}
