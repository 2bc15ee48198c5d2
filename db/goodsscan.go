package db

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"wms/model"
)

// The goods and stock lists read their rows without Bun's reflective scan:
// a goodsScan selects the columns a model.GoodsRead asks for (the category's
// through a plain LEFT JOIN, only when asked) and scans each row into typed
// destinations (scancols.go), every time parsed once (storedTime).

// goodsRow holds one row as scanned; only the selected columns are written.
type goodsRow struct {
	id, categoryID                  intCol
	name, nameKey, unit, searchText textCol
	sku, barcode, note              optTextCol
	threshold                       optQuantityCol
	imageID                         optIntCol
	archived, tracksExpiry          boolCol
	issuePolicy                     textCol
	onHand                          model.Quantity
	value                           model.Money
	createdAt, updatedAt            timeCol
	catID                           intCol
	catName, catNameKey             textCol
	catCreatedAt, catUpdatedAt      timeCol
	hasCategory                     bool
}

// goodsScan is the reading of one list: the columns it selects and where
// each is scanned. Rows are scanned one after another into row, so one
// goodsScan serves one query at a time.
type goodsScan struct {
	cols []string
	dest []any
	row  goodsRow
}

// newGoodsScan chooses the columns: the id and the sort keys of ord always,
// and what read asks for.
func newGoodsScan(db bun.IDB, read model.GoodsRead, ord listOrder) *goodsScan {
	s := &goodsScan{}
	r := &s.row
	sorts := func(col string) bool {
		for _, c := range ord.cols {
			if c.expr == col {
				return true
			}
		}
		return false
	}
	add := func(ok bool, expr string, dest any) {
		if ok {
			s.cols = append(s.cols, expr)
			s.dest = append(s.dest, dest)
		}
	}
	all := !read.Only
	add(true, "g.id", &r.id)
	add(read.Reads(model.GoodsName), "g.name", &r.name)
	add(all || sorts("g.name_key"), "g.name_key", &r.nameKey)
	add(read.Reads(model.GoodsUnit), "g.unit", &r.unit)
	add(read.Reads(model.GoodsSKU), "g.sku", &r.sku)
	add(read.Reads(model.GoodsBarcode), "g.barcode", &r.barcode)
	add(read.Reads(model.GoodsLowStockThreshold), "g.low_stock_threshold", &r.threshold)
	add(read.Reads(model.GoodsNote), "g.note", &r.note)
	add(read.Reads(model.GoodsImageID), "g.image_id", &r.imageID)
	add(read.Reads(model.GoodsArchived), "g.archived", &r.archived)
	add(read.Reads(model.GoodsTracksExpiry), "g.tracks_expiry", &r.tracksExpiry)
	add(read.Reads(model.GoodsIssuePolicy), "g.issue_policy", &r.issuePolicy)
	add(all, "g.search_text", &r.searchText)
	add(read.Reads(model.GoodsOnHand), "g.on_hand", &r.onHand)
	add(read.Reads(model.GoodsStockValue), "g.stock_value", &r.value)
	add(read.Reads(model.GoodsCreatedAt) || sorts("g.created_at"), selectTime(db, "g.created_at"), &r.createdAt)
	add(read.Reads(model.GoodsUpdatedAt), selectTime(db, "g.updated_at"), &r.updatedAt)
	if r.hasCategory = read.Reads(model.GoodsCategoryColumns); r.hasCategory {
		add(true, "g.category_id", &r.categoryID)
		add(true, "c.id", &r.catID)
		add(read.Reads(model.GoodsCategoryName), "c.name", &r.catName)
		add(all, "c.name_key", &r.catNameKey)
		add(read.Reads(model.GoodsCategoryCreatedAt), selectTime(db, "c.created_at"), &r.catCreatedAt)
		add(read.Reads(model.GoodsCategoryUpdatedAt), selectTime(db, "c.updated_at"), &r.catUpdatedAt)
	}
	return s
}

// query adds the columns, and the category's join, to a filtered query
// over goods aliased g.
func (s *goodsScan) query(q *bun.SelectQuery) *bun.SelectQuery {
	q = q.ColumnExpr(strings.Join(s.cols, ", "))
	if s.row.hasCategory {
		q = q.Join("LEFT JOIN categories AS c ON c.id = g.category_id")
	}
	return q
}

// scan runs q and reads its rows; size is how many rows it may answer.
func (s *goodsScan) scan(ctx context.Context, q *bun.SelectQuery, size int) ([]*model.Goods, error) {
	rows, err := q.Rows(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// The goods of a page in one allocation, and each category once.
	goods := make([]model.Goods, 0, size)
	out := make([]*model.Goods, 0, size)
	var categories map[int64]*model.Category
	r := &s.row
	for rows.Next() {
		if err := rows.Scan(s.dest...); err != nil {
			return nil, err
		}
		goods = append(goods, model.Goods{
			ID: int64(r.id), Name: string(r.name), NameKey: string(r.nameKey), CategoryID: int64(r.categoryID),
			Unit: string(r.unit), SKU: r.sku.ptr(), Barcode: r.barcode.ptr(), LowStockThreshold: r.threshold.ptr(),
			Note: r.note.ptr(), ImageID: r.imageID.ptr(), Archived: bool(r.archived), SearchText: string(r.searchText),
			OnHand: r.onHand, StockValue: r.value, CreatedAt: r.createdAt.time(), UpdatedAt: r.updatedAt.time(),
			TracksExpiry: bool(r.tracksExpiry), IssuePolicy: model.IssuePolicy(r.issuePolicy),
		})
		g := &goods[len(goods)-1]
		if r.hasCategory {
			c := categories[int64(r.catID)]
			if c == nil {
				c = &model.Category{ID: int64(r.catID), Name: string(r.catName), NameKey: string(r.catNameKey),
					CreatedAt: r.catCreatedAt.time(), UpdatedAt: r.catUpdatedAt.time()}
				if categories == nil {
					categories = map[int64]*model.Category{}
				}
				categories[c.ID] = c
			}
			g.Category = c
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
