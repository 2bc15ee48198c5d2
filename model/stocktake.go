package model

import (
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// StocktakeStatus is where a stocktake stands.
type StocktakeStatus string

// Stocktake statuses.
const (
	StocktakeOpen      StocktakeStatus = "OPEN"
	StocktakeApplied   StocktakeStatus = "APPLIED"
	StocktakeCancelled StocktakeStatus = "CANCELLED"
)

// Valid reports a known status.
func (s StocktakeStatus) Valid() bool {
	return s == StocktakeOpen || s == StocktakeApplied || s == StocktakeCancelled
}

// Stocktake is a count of some goods at one location (盘点). Clerks record
// counts while it is open; applying it writes one SURPLUS stock-in for the
// goods counted above what was on hand when they were counted and one LOSS
// stock-out for those below, each line the difference — so movements
// recorded between a count and the apply are kept, not overwritten.
type Stocktake struct {
	bun.BaseModel `bun:"table:stocktakes,alias:st"`

	ID               int64           `bun:"id,pk,autoincrement"`
	Code             string          `bun:"code,notnull"`
	LocationID       int64           `bun:"location_id,notnull"`
	Status           StocktakeStatus `bun:"status,notnull"`
	Blind            bool            `bun:"blind,notnull"`
	CategoryID       *int64          `bun:"category_id"`
	Note             *string         `bun:"note"`
	IdempotencyKey   *string         `bun:"idempotency_key"`
	IdempotencyScope int64           `bun:"idempotency_scope,notnull"`
	RequestHash      string          `bun:"request_hash,notnull"`
	// ApplyKey is the idempotency key the apply was sent with.
	ApplyKey    *string    `bun:"apply_key"`
	StartedAt   time.Time  `bun:"started_at,notnull"`
	StartedBy   *int64     `bun:"started_by"`
	AppliedAt   *time.Time `bun:"applied_at"`
	AppliedBy   *int64     `bun:"applied_by"`
	CancelledAt *time.Time `bun:"cancelled_at"`
	StockInID   *int64     `bun:"stock_in_id"`
	StockOutID  *int64     `bun:"stock_out_id"`
}

// StocktakeLine is one goods of a stocktake: its count, once recorded, and
// what was on hand at the location at the moment the count was recorded.
type StocktakeLine struct {
	bun.BaseModel `bun:"table:stocktake_lines,alias:stl"`

	StocktakeID int64      `bun:"stocktake_id,pk"`
	Line        int        `bun:"line,pk"`
	GoodsID     int64      `bun:"goods_id,notnull"`
	Counted     *Quantity  `bun:"counted"`
	UnitCost    *UnitCost  `bun:"unit_cost"`
	CountedAt   *time.Time `bun:"counted_at"`
	CountedBy   *int64     `bun:"counted_by"`
	Expected    *Quantity  `bun:"expected"`
	// ExpectedValue is the stock value at the location when the count was
	// recorded: with Expected, the average cost a difference is estimated at
	// until the stocktake is applied.
	ExpectedValue *Money `bun:"expected_value"`
	// DifferenceValue is what the apply moved for this goods (signed).
	DifferenceValue *Money `bun:"difference_value"`
	// PackName and PackQuantity are the pack the count was given in and how
	// many of it.
	PackName     *string   `bun:"pack_name"`
	PackQuantity *Quantity `bun:"pack_quantity"`
	// Hidden says the reader may not see the expected figures (a blind
	// stocktake not yet applied, read by a CLERK or VIEWER).
	Hidden bool `bun:"-"`
}

// ShownExpected is Expected, or nil when Hidden.
func (l *StocktakeLine) ShownExpected() *Quantity {
	if l.Hidden {
		return nil
	}
	return l.Expected
}

// ShownDifference is Difference, or nil when Hidden.
func (l *StocktakeLine) ShownDifference() *Quantity {
	if l.Hidden {
		return nil
	}
	return l.Difference()
}

// ShownDifferenceValue is EstimatedValue, or nil when Hidden.
func (l *StocktakeLine) ShownDifferenceValue() *Money {
	if l.Hidden {
		return nil
	}
	return l.EstimatedValue()
}

// Difference is counted − expected, or nil while uncounted.
func (l *StocktakeLine) Difference() *Quantity {
	if l.Counted == nil || l.Expected == nil {
		return nil
	}
	d := *l.Counted - *l.Expected
	return &d
}

// EstimatedValue is what the difference is worth: once applied, what the
// apply moved; before, the difference at the line's unit cost, else at the
// average cost on hand when counted, else nil.
func (l *StocktakeLine) EstimatedValue() *Money {
	if l.DifferenceValue != nil {
		return l.DifferenceValue
	}
	d := l.Difference()
	if d == nil {
		return nil
	}
	cost := l.UnitCost
	if cost == nil && l.ExpectedValue != nil && l.Expected != nil {
		if c, ok := AverageCost(*l.ExpectedValue, *l.Expected); ok {
			cost = &c
		}
	}
	if cost == nil {
		return nil
	}
	v, ok := amount(max(*d, -*d), *cost)
	if !ok {
		return nil
	}
	if *d < 0 {
		v = -v
	}
	return &v
}

// StocktakeInput is what startStocktake takes. Without goodsIds or
// categoryId the stocktake counts every goods with stock or history at the
// location.
type StocktakeInput struct {
	LocationID     *int64  `json:"locationId"`
	CategoryID     *int64  `json:"categoryId"`
	GoodsIDs       []int64 `json:"goodsIds"`
	Blind          *bool   `json:"blind"`
	Note           *string `json:"note"`
	IdempotencyKey *string `json:"idempotencyKey"`
}

// CountInput is what recordCounts takes.
type CountInput struct {
	StocktakeID int64             `json:"stocktakeId"`
	Lines       []*CountLineInput `json:"lines"`
}

// CountLineInput is one goods counted.
type CountLineInput struct {
	GoodsID  int64     `json:"goodsId"`
	Counted  Quantity  `json:"counted"`
	UnitCost *UnitCost `json:"unitCost"`
	// Pack makes Counted a count of that pack and UnitCost a cost per pack.
	Pack *string `json:"pack"`
}

// CheckCounts checks the lines of a recordCounts: 1–500 lines, counts of 0
// or more, unit costs of 0 or more.
func CheckCounts(in CountInput) error {
	switch {
	case len(in.Lines) == 0:
		return Invalid("lines", "record at least one count")
	case len(in.Lines) > DocumentLinesMax:
		return Invalid("lines", "at most %d counts at once (got %d)", DocumentLinesMax, len(in.Lines))
	}
	for i, l := range in.Lines {
		if l == nil {
			return Invalid(fmt.Sprintf("lines.%d", i), "line is missing")
		}
		if l.Counted < 0 || l.Counted > maxQuantity {
			return Invalid(lineField(i, "counted"), "a count is 0 or more, at most %s", Quantity(maxQuantity))
		}
		if l.UnitCost != nil && *l.UnitCost < 0 {
			return Invalid(lineField(i, "unitCost"), "unitCost must not be negative")
		}
	}
	return nil
}

// ApplyInput is what applyStocktake takes.
type ApplyInput struct {
	ID             int64   `json:"id"`
	IdempotencyKey *string `json:"idempotencyKey"`
}

// StocktakeFilter selects stocktakes for a list, newest first.
type StocktakeFilter struct {
	Status     *StocktakeStatus
	LocationID *int64
	From       *time.Time
	To         *time.Time
}

// StocktakeLineFilter selects the lines of a stocktake, in line order.
type StocktakeLineFilter struct {
	Counted *bool
}

// StockAdjustment is one setStock: a goods' on hand at a location set to a
// figure by the SURPLUS stock-in or LOSS stock-out of the difference (none
// when there was none).
type StockAdjustment struct {
	bun.BaseModel `bun:"table:stock_adjustments,alias:adj"`

	ID               int64     `bun:"id,pk,autoincrement"`
	GoodsID          int64     `bun:"goods_id,notnull"`
	LocationID       int64     `bun:"location_id,notnull"`
	QuantityBefore   Quantity  `bun:"quantity_before,notnull"`
	QuantityAfter    Quantity  `bun:"quantity_after,notnull"`
	Note             *string   `bun:"note"`
	IdempotencyKey   *string   `bun:"idempotency_key"`
	IdempotencyScope int64     `bun:"idempotency_scope,notnull"`
	RequestHash      string    `bun:"request_hash,notnull"`
	CreatedAt        time.Time `bun:"created_at,notnull"`
	CreatedBy        *int64    `bun:"created_by"`
	StockInID        *int64    `bun:"stock_in_id"`
	StockOutID       *int64    `bun:"stock_out_id"`
}

// Difference is after − before.
func (a *StockAdjustment) Difference() Quantity { return a.QuantityAfter - a.QuantityBefore }

// SetStockInput is what setStock takes.
type SetStockInput struct {
	GoodsID         int64     `json:"goodsId"`
	LocationID      *int64    `json:"locationId"`
	Quantity        Quantity  `json:"quantity"`
	CompareQuantity *Quantity `json:"compareQuantity"`
	UnitCost        *UnitCost `json:"unitCost"`
	Note            *string   `json:"note"`
	IdempotencyKey  *string   `json:"idempotencyKey"`
}

// VoidInput is what the void mutations take.
type VoidInput struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
}

// VoidReasonMax is the longest void reason, in characters.
const VoidReasonMax = 200

// VoidReason checks a void's reason: required, 1–200 characters.
func VoidReason(r string) (string, error) { return Text("reason", r, 1, VoidReasonMax) }

// StartStocktake checks what startStocktake takes and returns the header of
// the stocktake (its lines are the goods in scope, found by the store).
func StartStocktake(in StocktakeInput, now time.Time) (*Stocktake, error) {
	note, err := Note("note", in.Note, NoteMax)
	if err != nil {
		return nil, err
	}
	key, err := OptionalText("idempotencyKey", in.IdempotencyKey, IdempotencyKeyMax)
	if err != nil {
		return nil, err
	}
	if len(in.GoodsIDs) > DocumentLinesMax*20 {
		return nil, Invalid("goodsIds", "a stocktake counts at most %d goods", DocumentLinesMax*20)
	}
	st := &Stocktake{Status: StocktakeOpen, Blind: in.Blind != nil && *in.Blind, CategoryID: in.CategoryID, Note: note,
		IdempotencyKey: key, StartedAt: now,
		RequestHash: requestHash(in, func(v *StocktakeInput) { v.IdempotencyKey = nil })}
	return st, nil
}

// SetStock checks what setStock takes and returns the adjustment's header.
func SetStock(in SetStockInput, now time.Time) (*StockAdjustment, error) {
	if in.Quantity < 0 || in.Quantity > maxQuantity {
		return nil, Invalid("quantity", "quantity is 0 or more, at most %s", Quantity(maxQuantity))
	}
	if in.UnitCost != nil && *in.UnitCost < 0 {
		return nil, Invalid("unitCost", "unitCost must not be negative")
	}
	note, err := Note("note", in.Note, NoteMax)
	if err != nil {
		return nil, err
	}
	key, err := OptionalText("idempotencyKey", in.IdempotencyKey, IdempotencyKeyMax)
	if err != nil {
		return nil, err
	}
	return &StockAdjustment{GoodsID: in.GoodsID, QuantityAfter: in.Quantity, Note: note, IdempotencyKey: key, CreatedAt: now,
		RequestHash: requestHash(in, func(v *SetStockInput) { v.IdempotencyKey = nil })}, nil
}
