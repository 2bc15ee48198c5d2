package model

import (
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Transfer moves stock from one location to another (调拨). Each line takes
// from the source's lots oldest first, as a stock-out would, and every lot it
// takes from becomes a lot at the destination with the same unit cost and
// receivedAt. Its ledger entries come in pairs of equal amounts, one OUT at
// the source and one IN at the destination, so a transfer never changes the
// total quantity or value of any goods.
type Transfer struct {
	bun.BaseModel `bun:"table:transfers,alias:tr"`

	ID               int64     `bun:"id,pk,autoincrement"`
	Code             string    `bun:"code,notnull"`
	FromLocationID   int64     `bun:"from_location_id,notnull"`
	ToLocationID     int64     `bun:"to_location_id,notnull"`
	OccurredAt       time.Time `bun:"occurred_at,notnull"`
	Note             *string   `bun:"note"`
	TotalAmount      Money     `bun:"total_amount,notnull"`
	IdempotencyKey   *string   `bun:"idempotency_key"`
	IdempotencyScope int64     `bun:"idempotency_scope,notnull"`
	RequestHash      string    `bun:"request_hash,notnull"`
	CreatedAt        time.Time `bun:"created_at,notnull"`
	CreatedBy        *int64    `bun:"created_by"`
	Voided
}

// TransferLine is one line of a transfer: the goods, how much, and the value
// it moved (the sum of its allocations).
type TransferLine struct {
	bun.BaseModel `bun:"table:transfer_lines,alias:trl"`

	TransferID int64    `bun:"transfer_id,pk"`
	Line       int      `bun:"line,pk"`
	GoodsID    int64    `bun:"goods_id,notnull"`
	Quantity   Quantity `bun:"quantity,notnull"`
	Amount     Money    `bun:"amount,notnull"`
	// PackName and PackQuantity are the pack the line was given in and how
	// many of it.
	PackName     *string   `bun:"pack_name"`
	PackQuantity *Quantity `bun:"pack_quantity"`
}

// TransferAllocation is what one transfer line took from one lot at the
// source and the lot it made at the destination.
type TransferAllocation struct {
	Allocation
	ToLotID int64
}

// TransferInput is what transferStock takes.
type TransferInput struct {
	FromLocationID int64                `json:"fromLocationId"`
	ToLocationID   int64                `json:"toLocationId"`
	Code           *string              `json:"code"`
	OccurredAt     *time.Time           `json:"occurredAt"`
	Note           *string              `json:"note"`
	IdempotencyKey *string              `json:"idempotencyKey"`
	Lines          []*TransferLineInput `json:"lines"`
}

// TransferLineInput is one line of a transfer.
type TransferLineInput struct {
	GoodsID  int64    `json:"goodsId"`
	Quantity Quantity `json:"quantity"`
	Pack     *string  `json:"pack"`
}

// NewTransfer checks a transferStock input and returns the document and its
// lines; amounts are filled in by Allocate.
func NewTransfer(in TransferInput, now time.Time) (*Transfer, []*TransferLine, error) {
	if in.FromLocationID == in.ToLocationID {
		return nil, nil, Invalid("toLocationId", "a transfer moves stock between two different locations")
	}
	code, note, key, at, err := documentHeader(in.Code, in.Note, in.IdempotencyKey, in.OccurredAt, len(in.Lines), now)
	if err != nil {
		return nil, nil, err
	}
	doc := &Transfer{FromLocationID: in.FromLocationID, ToLocationID: in.ToLocationID, OccurredAt: at, Note: note,
		IdempotencyKey: key, RequestHash: requestHash(in, func(v *TransferInput) { v.IdempotencyKey = nil })}
	if code != nil {
		doc.Code = *code
	}
	lines := make([]*TransferLine, len(in.Lines))
	for i, l := range in.Lines {
		if l == nil {
			return nil, nil, Invalid(fmt.Sprintf("lines.%d", i), "line is missing")
		}
		if err := positive(i, l.Quantity); err != nil {
			return nil, nil, err
		}
		lines[i] = &TransferLine{Line: i + 1, GoodsID: l.GoodsID, Quantity: l.Quantity}
	}
	return doc, lines, nil
}

// positive checks the quantity of line i.
func positive(i int, q Quantity) error {
	if q <= 0 {
		return Invalid(lineField(i, "quantity"), "quantity must be greater than 0")
	}
	return nil
}

// TransferFilter selects transfers for a list, newest first. LocationID
// matches either end.
type TransferFilter struct {
	Search     string
	Voided     *bool
	GoodsID    *int64
	LocationID *int64
	From       *time.Time
	To         *time.Time
}
