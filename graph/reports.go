package graph

import (
	"context"

	"wms/db"
	"wms/model"
)

// MovementSummaryConnection is a page of the movement summary, with the
// totals of the whole summary.
type MovementSummaryConnection struct {
	*Connection[*model.Movement]
	totals func(context.Context) (*model.Movement, error)
}

// Totals sums every row of the summary; it reads every goods, so only when asked.
func (c *MovementSummaryConnection) Totals(ctx context.Context) (*model.Movement, error) {
	return c.totals(ctx)
}

// ValuationConnection is a page of the valuation, with its totals.
type ValuationConnection struct {
	*Connection[*model.Valuation]
	totals func(context.Context) (*model.StockAmount, error)
}

// Totals sums every row of the valuation; it reads every goods, so only when asked.
func (c *ValuationConnection) Totals(ctx context.Context) (*model.StockAmount, error) {
	return c.totals(ctx)
}

// The edge types of the reports.
type (
	MovementSummaryEdge = Edge[*model.Movement]
	ValuationEdge       = Edge[*model.Valuation]
)

func newMovementConnection(p *db.MovementPage) *MovementSummaryConnection {
	return &MovementSummaryConnection{Connection: newConnection(p.Page), totals: p.Totals}
}

func newValuationConnection(p *db.ValuationPage) *ValuationConnection {
	return &ValuationConnection{Connection: newConnection(p.Page), totals: p.Totals}
}

// expectMovements announces the goods and location of a page of the
// movement summary.
func (l *Loaders) expectMovements(rows []*model.Movement) {
	for _, r := range rows {
		l.Goods.Expect(r.GoodsID)
		if r.LocationID != nil {
			l.Location.Expect(*r.LocationID)
		}
	}
}

// expectValuations announces the goods and location of a page of the
// valuation.
func (l *Loaders) expectValuations(rows []*model.Valuation) {
	for _, r := range rows {
		l.Goods.Expect(r.GoodsID)
		if r.LocationID != nil {
			l.Location.Expect(*r.LocationID)
		}
	}
}
