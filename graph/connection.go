package graph

import (
	"context"

	"wms/model"
)

// Every list is a Relay connection over one page from the Store. The GraphQL
// connection and edge types bind to instances of these two generic types.

// Connection is a page of a list: nodes, edges with cursors, page info, and
// the count of the whole filtered list, counted only when asked for.
type Connection[T any] struct {
	page *model.Page[T]
}

// Edge is one node of a connection with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// PageInfo says where a page sits in its list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

func newConnection[T any](p *model.Page[T]) *Connection[T] { return &Connection[T]{page: p} }

// Nodes are the items of the page.
func (c *Connection[T]) Nodes() []T { return c.page.Items }

// Edges are the items of the page with their cursors.
func (c *Connection[T]) Edges() []*Edge[T] {
	edges := make([]*Edge[T], len(c.page.Items))
	for i, it := range c.page.Items {
		edges[i] = &Edge[T]{Cursor: c.page.Cursor(i), Node: it}
	}
	return edges
}

// PageInfo tells whether there are pages before and after, and their cursors.
func (c *Connection[T]) PageInfo() *PageInfo {
	pi := &PageInfo{HasNextPage: c.page.HasNext, HasPreviousPage: c.page.HasPrev}
	if len(c.page.Items) > 0 {
		start := c.page.Cursor(0)
		pi.StartCursor, pi.EndCursor = &start, c.page.EndCursor()
	}
	return pi
}

// TotalCount counts the whole filtered list; it costs a query, run only when asked.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) { return c.page.Count(ctx) }

// The connection and edge types of the schema.
type (
	CategoryConnection = Connection[*model.Category]
	CategoryEdge       = Edge[*model.Category]
	GoodsConnection    = Connection[*model.Goods]
	GoodsEdge          = Edge[*model.Goods]
)

// The stock connection and edge types.
type (
	StockLevelConnection      = Connection[*model.StockLevel]
	StockLevelEdge            = Edge[*model.StockLevel]
	LotConnection             = Connection[*model.Lot]
	LotEdge                   = Edge[*model.Lot]
	StockInConnection         = Connection[*model.StockIn]
	StockInEdge               = Edge[*model.StockIn]
	StockOutConnection        = Connection[*model.StockOut]
	StockOutEdge              = Edge[*model.StockOut]
	LedgerEntryConnection     = Connection[*model.LedgerEntry]
	LedgerEntryEdge           = Edge[*model.LedgerEntry]
	LocationConnection        = Connection[*model.Location]
	LocationEdge              = Edge[*model.Location]
	TransferConnection        = Connection[*model.Transfer]
	TransferEdge              = Edge[*model.Transfer]
	StocktakeConnection       = Connection[*model.Stocktake]
	StocktakeEdge             = Edge[*model.Stocktake]
	StocktakeLineConnection   = Connection[*model.StocktakeLine]
	StocktakeLineEdge         = Edge[*model.StocktakeLine]
	WebhookDeliveryConnection = Connection[*model.WebhookDelivery]
	WebhookDeliveryEdge       = Edge[*model.WebhookDelivery]
)

// The user connection and edge types.
type (
	UserConnection = Connection[*model.User]
	UserEdge       = Edge[*model.User]
)
