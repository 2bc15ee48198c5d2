package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"wms/model"
)

// The goods and stock lists read only the columns their query selects: the
// list resolver walks the fields selected under its connection (nodes, and
// edges' node) and tells the Store what they need as a model.GoodsRead.
// Every field of Goods, Category and StockLevel is named here with the
// columns it is answered from; a field this file does not know (one added
// to the schema later) makes the list read everything, so it can never be
// answered from a column left unread.

// goodsListRead is what a goodsList resolver's connection selects of its goods.
func goodsListRead(ctx context.Context) model.GoodsRead {
	return listRead(ctx, "GoodsConnection", "GoodsEdge", (*goodsSelection).goods)
}

// stockListRead is what a stock resolver's connection selects of its goods.
func stockListRead(ctx context.Context) model.GoodsRead {
	return listRead(ctx, "StockLevelConnection", "StockLevelEdge", (*goodsSelection).stockLevel)
}

// goodsSelection gathers the columns the selected fields need; all is set by
// a field it cannot tell the columns of.
type goodsSelection struct {
	oc      *graphql.OperationContext
	columns model.GoodsColumns
	all     bool
}

func listRead(ctx context.Context, connection, edge string, node func(*goodsSelection, ast.SelectionSet)) model.GoodsRead {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) {
		return model.GoodsRead{}
	}
	s := &goodsSelection{oc: graphql.GetOperationContext(ctx)}
	for _, f := range s.collect(fc.Field.Selections, connection) {
		switch f.Name {
		case "nodes":
			node(s, f.Selections)
		case "edges":
			for _, e := range s.collect(f.Selections, edge) {
				switch e.Name {
				case "node":
					node(s, e.Selections)
				case "cursor", "__typename":
				default:
					s.all = true
				}
			}
		case "pageInfo", "totalCount", "__typename":
		default:
			s.all = true
		}
	}
	if s.all {
		return model.GoodsRead{}
	}
	return model.GoodsRead{Only: true, Columns: s.columns}
}

func (s *goodsSelection) collect(sel ast.SelectionSet, typeName string) []graphql.CollectedField {
	return graphql.CollectFields(s.oc, sel, []string{typeName})
}

// The columns each leaf field of Goods, Category and StockLevel is answered
// from; a field missing here makes the list read everything.
var (
	goodsFieldColumns = map[string]model.GoodsColumns{
		"id": 0, "__typename": 0,
		"name":              model.GoodsName,
		"unit":              model.GoodsUnit,
		"sku":               model.GoodsSKU,
		"barcode":           model.GoodsBarcode,
		"image":             model.GoodsImageID,
		"lowStockThreshold": model.GoodsLowStockThreshold,
		"note":              model.GoodsNote,
		"archived":          model.GoodsArchived,
		"tracksExpiry":      model.GoodsTracksExpiry,
		"issuePolicy":       model.GoodsIssuePolicy,
		"packs":             0,
		"createdAt":         model.GoodsCreatedAt,
		"updatedAt":         model.GoodsUpdatedAt,
	}
	categoryFieldColumns = map[string]model.GoodsColumns{
		"id": 0, "goodsCount": 0, "__typename": 0,
		"name":      model.GoodsCategoryName,
		"createdAt": model.GoodsCategoryCreatedAt,
		"updatedAt": model.GoodsCategoryUpdatedAt,
	}
	stockLevelFieldColumns = map[string]model.GoodsColumns{
		"__typename":  0,
		"onHand":      model.StockOnHandColumns,
		"value":       model.StockValueColumns,
		"averageCost": model.StockAverageCostColumns,
		"low":         model.StockLowColumns,
		// Read by loaders from the goods id, which every list reads.
		"location":        0,
		"byLocation":      0,
		"nextExpiry":      0,
		"expiredQuantity": 0,
		"inPacks":         model.StockOnHandColumns,
	}
)

// leaf adds the columns of the field name, by columns, or marks the list to
// be read whole for a field it does not know.
func (s *goodsSelection) leaf(columns map[string]model.GoodsColumns, name string) {
	c, ok := columns[name]
	if !ok {
		s.all = true
	}
	s.columns |= c
}

func (s *goodsSelection) goods(sel ast.SelectionSet) {
	for _, f := range s.collect(sel, "Goods") {
		switch f.Name {
		case "category":
			s.category(f.Selections)
		case "stock":
			s.stockLevel(f.Selections)
		default:
			s.leaf(goodsFieldColumns, f.Name)
		}
	}
}

func (s *goodsSelection) category(sel ast.SelectionSet) {
	// The category is read (and Goods.category is never null) whatever
	// is selected under it.
	s.columns |= model.GoodsCategoryID
	for _, f := range s.collect(sel, "Category") {
		s.leaf(categoryFieldColumns, f.Name)
	}
}

func (s *goodsSelection) stockLevel(sel ast.SelectionSet) {
	for _, f := range s.collect(sel, "StockLevel") {
		if f.Name == "goods" {
			s.goods(f.Selections)
			continue
		}
		s.leaf(stockLevelFieldColumns, f.Name)
	}
}
