package graph

import "wms/model"

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
}
