package model

import "time"

// ExportKind is which list a report exports.
type ExportKind string

// Export kinds: each is the whole filtered list of the matching query.
const (
	ExportStock     ExportKind = "STOCK"
	ExportLots      ExportKind = "LOTS"
	ExportStockIns  ExportKind = "STOCK_INS"
	ExportStockOuts ExportKind = "STOCK_OUTS"
	ExportLedger    ExportKind = "LEDGER"
	ExportExpiring  ExportKind = "EXPIRING"
	// The reports: the movement summary of [From, To) and the valuation At.
	ExportMovementSummary ExportKind = "MOVEMENT_SUMMARY"
	ExportValuation       ExportKind = "VALUATION"
)

// ExportFormat is the file format of a report.
type ExportFormat string

// Export formats.
const (
	FormatXLSX ExportFormat = "XLSX"
	FormatCSV  ExportFormat = "CSV"
)

// Locale is the language of a report's column headers.
type Locale string

// Locales.
const (
	LocaleEN Locale = "EN"
	LocaleZH Locale = "ZH"
)

// ExportInput is what exportReport takes: the kind, the format, and the
// filters of the matching list query (those that do not apply to the kind
// are ignored).
type ExportInput struct {
	Kind            ExportKind      `json:"kind"`
	Format          ExportFormat    `json:"format"`
	Locale          *Locale         `json:"locale"`
	Search          *string         `json:"search"`
	CategoryID      *int64          `json:"categoryId"`
	LocationID      *int64          `json:"locationId"`
	GoodsID         *int64          `json:"goodsId"`
	LowOnly         *bool           `json:"lowOnly"`
	IncludeArchived *bool           `json:"includeArchived"`
	IncludeEmpty    *bool           `json:"includeEmpty"`
	Type            *StockInType    `json:"type"`
	Reason          *StockOutReason `json:"reason"`
	Direction       *Direction      `json:"direction"`
	LedgerKind      *LedgerKind     `json:"ledgerKind"`
	From            *time.Time      `json:"from"`
	To              *time.Time      `json:"to"`
	At              *time.Time      `json:"at"`
}
