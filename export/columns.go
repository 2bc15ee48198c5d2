package export

import "wms/model"

// column is one column of a report: its header in each locale, what kind of
// value it holds (for the cell type, the number format and the width).
type column struct {
	en, zh string
	kind   cellKind
}

type cellKind int

const (
	text cellKind = iota
	quantity
	unitCost
	money
	timestamp
	flag
	integer
)

func (c column) header(l model.Locale) string {
	if l == model.LocaleZH {
		return c.zh
	}
	return c.en
}

// width is a column's width in characters.
func (c column) width() float64 {
	switch c.kind {
	case timestamp:
		return 20
	case text:
		return 24
	case flag, integer:
		return 10
	}
	return 14
}

var (
	colGoods     = column{"Goods", "商品", text}
	colSKU       = column{"SKU", "SKU", text}
	colCategory  = column{"Category", "分类", text}
	colUnit      = column{"Unit", "单位", text}
	colOnHand    = column{"On hand", "库存数量", quantity}
	colValue     = column{"Value", "库存金额", money}
	colAvgCost   = column{"Average cost", "平均单价", unitCost}
	colLow       = column{"Low", "低库存", flag}
	colLot       = column{"Lot", "批次", integer}
	colReceived  = column{"Received at", "入库时间", timestamp}
	colStockIn   = column{"Stock-in", "入库单号", text}
	colRecvQty   = column{"Received", "入库数量", quantity}
	colRemaining = column{"Remaining", "剩余数量", quantity}
	colUnitCost  = column{"Unit cost", "单价", unitCost}
	colRemValue  = column{"Remaining value", "剩余金额", money}
	colCode      = column{"Code", "单号", text}
	colType      = column{"Type", "类型", text}
	colReason    = column{"Reason", "原因", text}
	colTime      = column{"Time", "时间", timestamp}
	colQuantity  = column{"Quantity", "数量", quantity}
	colAmount    = column{"Amount", "金额", money}
	colCost      = column{"Cost", "成本", money}
	colNote      = column{"Note", "备注", text}
	colDirection = column{"Direction", "方向", text}
	colLocation  = column{"Location", "库位", text}
	colKind      = column{"Kind", "类别", text}
	colPolicy    = column{"Issue policy", "出库规则", text}
	colNextExp   = column{"Next expiry", "最近到期", timestamp}
	colExpires   = column{"Expires at", "到期时间", timestamp}

	colOpeningQty  = column{"Opening quantity", "期初数量", quantity}
	colOpeningVal  = column{"Opening value", "期初金额", money}
	colInQty       = column{"In quantity", "入库数量", quantity}
	colInVal       = column{"In value", "入库金额", money}
	colOutQty      = column{"Out quantity", "出库数量", quantity}
	colOutVal      = column{"Out value", "出库金额", money}
	colClosingQty  = column{"Closing quantity", "期末数量", quantity}
	colClosingVal  = column{"Closing value", "期末金额", money}
	colValQuantity = column{"Quantity", "数量", quantity}
	colValValue    = column{"Value", "金额", money}
)

var columns = map[model.ExportKind][]column{
	model.ExportStock:     {colGoods, colSKU, colCategory, colUnit, colOnHand, colValue, colAvgCost, colLow, colPolicy, colNextExp},
	model.ExportLots:      {colLot, colGoods, colUnit, colReceived, colStockIn, colRecvQty, colRemaining, colUnitCost, colRemValue, colExpires},
	model.ExportExpiring:  {colLot, colGoods, colUnit, colExpires, colReceived, colRemaining, colUnitCost, colRemValue},
	model.ExportStockIns:  {colCode, colType, colTime, colGoods, colUnit, colQuantity, colUnitCost, colAmount, colNote},
	model.ExportStockOuts: {colCode, colReason, colTime, colGoods, colUnit, colQuantity, colCost, colNote},
	model.ExportLedger:    {colTime, colCode, colDirection, colKind, colGoods, colCategory, colUnit, colQuantity, colUnitCost, colAmount},
	model.ExportMovementSummary: {colGoods, colSKU, colCategory, colUnit, colOpeningQty, colOpeningVal, colInQty, colInVal,
		colOutQty, colOutVal, colClosingQty, colClosingVal},
	model.ExportValuation: {colGoods, colSKU, colCategory, colUnit, colValQuantity, colValValue, colAvgCost},
}

// totalLabel heads a report's totals row.
var totalLabel = column{"Total", "合计", text}

// words are the enum values as a report shows them in Chinese.
var words = map[string]string{
	string(model.StockInPurchase): "采购", string(model.StockInSurplus): "盘盈", string(model.StockInGift): "赠送",
	string(model.StockOutConsume): "消耗", string(model.StockOutLoss): "盘亏", string(model.StockOutDamage): "报损",
	string(model.StockOutReturn): "退货", string(model.DirectionIn): "入库", string(model.DirectionOut): "出库",
	string(model.StockOutExpired): "过期报废", string(model.IssueFIFO): "先进先出", string(model.IssueFEFO): "先到期先出",
}

// kindWords are the ledger kinds as a report shows them in Chinese where
// the word differs from the stock-in type's or stock-out reason's.
var kindWords = map[model.LedgerKind]string{
	model.KindTransferIn: "调入", model.KindTransferOut: "调出",
	model.KindStocktakeGain: "盘盈", model.KindStocktakeLoss: "盘亏",
	model.KindAdjustmentGain: "调整增加", model.KindAdjustmentLoss: "调整减少", model.KindVoid: "作废",
}

// KindWord is a ledger kind in the report's language.
func KindWord(l model.Locale, k model.LedgerKind) string {
	if w, ok := kindWords[k]; ok && l == model.LocaleZH {
		return w
	}
	return Word(l, string(k))
}

// Word is an enum value (PURCHASE, OUT …) in the report's language.
func Word(l model.Locale, v string) string {
	if l == model.LocaleZH {
		if w, ok := words[v]; ok {
			return w
		}
	}
	return v
}

// Flag is a yes/no value in the report's language.
func Flag(l model.Locale, b bool) string {
	switch {
	case l == model.LocaleZH && b:
		return "是"
	case l == model.LocaleZH:
		return "否"
	case b:
		return "yes"
	}
	return "no"
}
