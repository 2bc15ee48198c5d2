package graph

import (
	"time"

	"wms/model"
)

// A list field costs its selection once per item it may return, so a
// complexity limit bounds the rows an operation can ask for, nested lists
// included.

func pageCost(childComplexity int, first *int) int {
	n := model.DefaultFirst
	if first != nil {
		n = min(max(*first, 1), model.MaxFirst)
	}
	return 1 + childComplexity*n
}

func setComplexity(c *ComplexityRoot) {
	c.Query.Categories = func(child int, _ *string, _ *model.CategoryOrder, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.GoodsList = func(child int, _ *string, _ *int64, _ *bool, _ *model.GoodsOrder, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.Stock = func(child int, _ *string, _, _ *int64, _ *bool, _ *bool, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.Lots = func(child int, _ int64, _ *int64, _ *bool, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.StockIns = func(child int, _ *string, _ *model.StockInType, _ *int64, _ *bool, _ *int64, _, _ *time.Time, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.StockOuts = func(child int, _ *string, _ *model.StockOutReason, _ *int64, _ *bool, _ *int64, _, _ *time.Time, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.Ledger = func(child int, _, _, _ *int64, _ *model.LedgerKind, _ *string, _ *model.Direction, _, _ *time.Time, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.Locations = func(child int, _ *string, _ *bool, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.Transfers = func(child int, _ *string, _, _ *int64, _ *bool, _, _ *time.Time, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.Stocktakes = func(child int, _ *model.StocktakeStatus, _ *int64, _, _ *time.Time, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Stocktake.Lines = func(child int, _ *bool, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.MovementSummary = func(child int, _, _ time.Time, _, _ *int64, _ *string, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	c.Query.Valuation = func(child int, _ *time.Time, _, _ *int64, _ *string, first *int, _ *string, _ *int) int {
		return pageCost(child, first)
	}
	// A row's kinds: a handful, as a document's lines.
	c.MovementSummaryRow.ByKind = func(child int) int { return 1 + child*linesCost }
	c.MovementTotals.ByKind = func(child int) int { return 1 + child*linesCost }
	// A document's lines and a line's allocations are not paged: count them
	// as a typical document, so that a page of documents with everything
	// nested stays within the limit while a deep nesting of lists does not.
	c.StockIn.Lines = func(child int) int { return 1 + child*linesCost }
	c.StockOut.Lines = func(child int) int { return 1 + child*linesCost }
	c.StockOutLine.Allocations = func(child int) int { return 1 + child*2 }
	c.Transfer.Lines = func(child int) int { return 1 + child*linesCost }
	c.TransferLine.Allocations = func(child int) int { return 1 + child*2 }
	// The locations a goods is at: a shop has a handful.
	c.StockLevel.ByLocation = func(child int) int { return 1 + child*linesCost }
}

// linesCost is how many lines a document is counted as.
const linesCost = 5
