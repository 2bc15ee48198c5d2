package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// StockInType says why goods came in.
//
// The enum types here are strings as stored. A row may hold a word wms does
// not know (written into the table by hand, or by a later version): reads
// show it as stored rather than fail the list or guess a value — the API
// writes it as is, a report prints it untranslated — while every input is
// checked with Valid.
type StockInType string

// Stock-in types.
const (
	StockInPurchase StockInType = "PURCHASE" // 采购
	StockInSurplus  StockInType = "SURPLUS"  // 盘盈: found in a count
	StockInGift     StockInType = "GIFT"     // 赠送
)

// Valid reports a known type.
func (t StockInType) Valid() bool {
	return t == StockInPurchase || t == StockInSurplus || t == StockInGift
}

// StockOutReason says why goods went out.
type StockOutReason string

// Stock-out reasons.
const (
	StockOutConsume StockOutReason = "CONSUME" // used or sold
	StockOutLoss    StockOutReason = "LOSS"    // 盘亏: missing in a count
	StockOutDamage  StockOutReason = "DAMAGE"
	StockOutReturn  StockOutReason = "RETURN"  // to the supplier
	StockOutExpired StockOutReason = "EXPIRED" // past its expiry: waste
)

// Valid reports a known reason.
func (r StockOutReason) Valid() bool {
	return r == StockOutConsume || r == StockOutLoss || r == StockOutDamage || r == StockOutReturn || r == StockOutExpired
}

// LedgerKind is why a ledger entry moved stock: the stock-in's type, the
// stock-out's reason, or which side of a transfer it is. Later kinds (counts,
// corrections) join these.
type LedgerKind string

// Ledger kinds.
const (
	KindPurchase    LedgerKind = "PURCHASE"
	KindSurplus     LedgerKind = "SURPLUS"
	KindGift        LedgerKind = "GIFT"
	KindConsume     LedgerKind = "CONSUME"
	KindLoss        LedgerKind = "LOSS"
	KindDamage      LedgerKind = "DAMAGE"
	KindReturn      LedgerKind = "RETURN"
	KindExpired     LedgerKind = "EXPIRED"
	KindTransferIn  LedgerKind = "TRANSFER_IN"
	KindTransferOut LedgerKind = "TRANSFER_OUT"
	// A stocktake's surplus and loss, a setStock's, and the reversing
	// entries of a void.
	KindStocktakeGain  LedgerKind = "STOCKTAKE_GAIN"
	KindStocktakeLoss  LedgerKind = "STOCKTAKE_LOSS"
	KindAdjustmentGain LedgerKind = "ADJUSTMENT_GAIN"
	KindAdjustmentLoss LedgerKind = "ADJUSTMENT_LOSS"
	KindVoid           LedgerKind = "VOID"
)

// Valid reports a known kind.
func (k LedgerKind) Valid() bool {
	switch k {
	case KindPurchase, KindSurplus, KindGift, KindConsume, KindLoss, KindDamage, KindReturn, KindExpired,
		KindTransferIn, KindTransferOut, KindStocktakeGain, KindStocktakeLoss, KindAdjustmentGain, KindAdjustmentLoss, KindVoid:
		return true
	}
	return false
}

// Direction is which way a ledger entry moved stock.
type Direction string

// Directions.
const (
	DirectionIn  Direction = "IN"
	DirectionOut Direction = "OUT"
)

// Valid reports a known direction.
func (d Direction) Valid() bool { return d == DirectionIn || d == DirectionOut }

// StockIn is a receipt (入库): one document bringing several lines into stock.
// Each line is a Lot.
type StockIn struct {
	bun.BaseModel `bun:"table:stock_ins,alias:si"`

	ID          int64       `bun:"id,pk,autoincrement"`
	Code        string      `bun:"code,notnull"`
	Type        StockInType `bun:"type,notnull"`
	LocationID  int64       `bun:"location_id,notnull"`
	OccurredAt  time.Time   `bun:"occurred_at,notnull"`
	Note        *string     `bun:"note"`
	TotalAmount Money       `bun:"total_amount,notnull"`
	// IdempotencyKey and RequestHash make a retried request return this
	// document instead of bringing the goods in twice. A key belongs to
	// IdempotencyScope (see IdempotencyScope).
	IdempotencyKey   *string   `bun:"idempotency_key"`
	IdempotencyScope int64     `bun:"idempotency_scope,notnull"`
	RequestHash      string    `bun:"request_hash,notnull"`
	CreatedAt        time.Time `bun:"created_at,notnull"`
	CreatedBy        *int64    `bun:"created_by"`
	Voided
}

// Voided says whether and why a document was voided: a voided document keeps
// its lines, and reversing ledger entries (kind VOID) undo what it moved.
type Voided struct {
	VoidedAt   *time.Time `bun:"voided_at"`
	VoidedBy   *int64     `bun:"voided_by"`
	VoidReason *string    `bun:"void_reason"`
}

// Lot is what one stock-in line brought in (批次), and what is left of it.
// The stock-in line and its lot are one row: Line is its place in the
// document, ReceivedQuantity × UnitCost its amount.
//
// A transfer moves stock by making lots at its destination, one per lot it
// took from: such a lot names the transfer (TransferID) and keeps the
// stock-in and line its goods first came in on, its unit cost and its
// receivedAt, so the goods keep their age for FIFO where they arrive. Its
// Amount is the value the transfer took from the source lot, which may
// differ by a cent from ReceivedQuantity × UnitCost (see Value).
type Lot struct {
	bun.BaseModel `bun:"table:lots,alias:l"`

	ID               int64     `bun:"id,pk,autoincrement"`
	StockInID        int64     `bun:"stock_in_id,notnull"`
	TransferID       *int64    `bun:"transfer_id"`
	Line             int       `bun:"line,notnull"`
	GoodsID          int64     `bun:"goods_id,notnull"`
	LocationID       int64     `bun:"location_id,notnull"`
	ReceivedQuantity Quantity  `bun:"received_quantity,notnull"`
	Remaining        Quantity  `bun:"remaining,notnull"`
	UnitCost         UnitCost  `bun:"unit_cost,notnull"`
	Amount           Money     `bun:"amount,notnull"`
	ReceivedAt       time.Time `bun:"received_at,notnull"`
	// ExpiresAt is when the lot expires, when it does; a transfer carries it.
	ExpiresAt *time.Time `bun:"expires_at"`
	// PackName and PackQuantity are the pack the stock-in line was given in
	// and how many of it (ReceivedQuantity is in the goods' unit).
	PackName     *string   `bun:"pack_name"`
	PackQuantity *Quantity `bun:"pack_quantity"`
	// Depleted is Remaining == 0, kept as a column so that FIFO reads only
	// the lots with something left through an index, however many emptied
	// lots a goods has behind it.
	Depleted bool `bun:"depleted,notnull"`
}

// StockOut is one document taking several lines out of stock (出库).
type StockOut struct {
	bun.BaseModel `bun:"table:stock_outs,alias:so"`

	ID               int64          `bun:"id,pk,autoincrement"`
	Code             string         `bun:"code,notnull"`
	Reason           StockOutReason `bun:"reason,notnull"`
	LocationID       int64          `bun:"location_id,notnull"`
	OccurredAt       time.Time      `bun:"occurred_at,notnull"`
	Note             *string        `bun:"note"`
	TotalCost        Money          `bun:"total_cost,notnull"`
	IdempotencyKey   *string        `bun:"idempotency_key"`
	IdempotencyScope int64          `bun:"idempotency_scope,notnull"`
	RequestHash      string         `bun:"request_hash,notnull"`
	CreatedAt        time.Time      `bun:"created_at,notnull"`
	CreatedBy        *int64         `bun:"created_by"`
	Voided
}

// IdempotencyScope is whose idempotency keys a request uses: the acting
// user's id, or 0 when no user acts (the command line). Keys are per user,
// not shared: another user sending the same key makes a document of their
// own and never sees this one. They are per user rather than per token
// because a client that signs in again (a new session token) and retries
// must still be recognised; one user's API tokens share that user's keys.
func IdempotencyScope(ctx context.Context) int64 {
	if id := ActorFrom(ctx); id != nil {
		return *id
	}
	return 0
}

// StockOutLine is one line of a stock-out: the goods, how much, and what it
// cost (the sum of its allocations).
type StockOutLine struct {
	bun.BaseModel `bun:"table:stock_out_lines,alias:sol"`

	StockOutID int64    `bun:"stock_out_id,pk"`
	Line       int      `bun:"line,pk"`
	GoodsID    int64    `bun:"goods_id,notnull"`
	Quantity   Quantity `bun:"quantity,notnull"`
	Cost       Money    `bun:"cost,notnull"`
	// PackName and PackQuantity are the pack the line was given in and how
	// many of it; LotID the lot it named, when it took from one lot.
	PackName     *string   `bun:"pack_name"`
	PackQuantity *Quantity `bun:"pack_quantity"`
	LotID        *int64    `bun:"lot_id"`
}

// LedgerEntry is one movement of stock (明细), append-only: +quantity for a
// stock-in line, −quantity for each allocation of a stock-out line. Quantity
// and Amount carry the sign.
type LedgerEntry struct {
	bun.BaseModel `bun:"table:ledger_entries,alias:le"`

	ID      int64     `bun:"id,pk,autoincrement"`
	At      time.Time `bun:"at,notnull"`
	GoodsID int64     `bun:"goods_id,notnull"`
	// CategoryID is the goods' category, kept on the entry (and moved with
	// the goods) so that a category's ledger is one index range.
	CategoryID   int64      `bun:"category_id,notnull"`
	LocationID   int64      `bun:"location_id,notnull"`
	Direction    Direction  `bun:"direction,notnull"`
	Kind         LedgerKind `bun:"kind,notnull"`
	Quantity     Quantity   `bun:"quantity,notnull"`
	UnitCost     UnitCost   `bun:"unit_cost,notnull"`
	Amount       Money      `bun:"amount,notnull"`
	DocumentCode string     `bun:"document_code,notnull"`
	StockInID    *int64     `bun:"stock_in_id"`
	StockOutID   *int64     `bun:"stock_out_id"`
	// StockOutLine is the line number within the stock-out, for OUT entries.
	StockOutLine *int `bun:"stock_out_line"`
	// TransferID and TransferLine name the transfer and its line, for both
	// of a transfer's entries.
	TransferID   *int64 `bun:"transfer_id"`
	TransferLine *int   `bun:"transfer_line"`
	// StocktakeID and AdjustmentID name the stocktake or setStock whose
	// document wrote the entry.
	StocktakeID  *int64 `bun:"stocktake_id"`
	AdjustmentID *int64 `bun:"adjustment_id"`
	LotID        int64  `bun:"lot_id,notnull"`
}

// Allocation is how much of one lot one stock-out line took.
type Allocation struct {
	LotID    int64
	Quantity Quantity
	UnitCost UnitCost
	Amount   Money
}

// StockLevel is the stock of one goods, read off the goods row where every
// movement keeps it — or, when At is set, its stock at one location, read off
// that (goods, location) row (nil there: nothing ever at that location).
type StockLevel struct {
	Goods      *Goods
	LocationID *int64
	At         *LocationStock
}

// The goods columns each field of StockLevel computes from, for a list that
// reads only some columns (GoodsRead).
const (
	StockOnHandColumns      = GoodsOnHand
	StockValueColumns       = GoodsStockValue
	StockAverageCostColumns = GoodsOnHand | GoodsStockValue
	StockLowColumns         = GoodsOnHand | GoodsLowStockThreshold
)

// OnHand is Σ lot remaining.
func (s StockLevel) OnHand() Quantity {
	switch {
	case s.LocationID == nil:
		return s.Goods.OnHand
	case s.At == nil:
		return 0
	}
	return s.At.OnHand
}

// Value is Σ remaining × unit cost, which equals Σ ledger amount.
func (s StockLevel) Value() Money {
	switch {
	case s.LocationID == nil:
		return s.Goods.StockValue
	case s.At == nil:
		return 0
	}
	return s.At.StockValue
}

// AverageCost is value / on hand, or nil with nothing on hand (or stored
// numbers that give no average, see AverageCost).
func (s StockLevel) AverageCost() *UnitCost {
	c, ok := AverageCost(s.Value(), s.OnHand())
	if !ok {
		return nil
	}
	return &c
}

// Low reports on hand at or below the goods' low-stock threshold (never
// for an unreadable one).
func (s StockLevel) Low() bool {
	t, q := s.Goods.LowStockThreshold, s.OnHand()
	return t != nil && t.Readable() && q.Readable() && q <= *t
}

// RemainingValue is what is left of the lot, Value(remaining); ok is false
// when the stored numbers give no such amount (see amount).
func (l *Lot) RemainingValue() (Money, bool) {
	v, ok := amount(l.Remaining, l.UnitCost)
	if !ok || l.TransferID == nil {
		return v, ok
	}
	if !l.readable() {
		return 0, false
	}
	return l.Value(l.Remaining), true
}

// ShownRemainingValue is RemainingValue, or nil when there is none.
func (l *Lot) ShownRemainingValue() *Money {
	v, ok := l.RemainingValue()
	if !ok {
		return nil
	}
	return &v
}

// readable reports numbers within what wms writes.
func (l *Lot) readable() bool {
	ok := l.Remaining.Readable() && l.UnitCost.Readable() && l.Remaining >= 0 && l.Remaining <= maxQuantity &&
		l.UnitCost >= 0 && l.UnitCost <= maxUnitCost
	if ok && l.TransferID != nil {
		ok = l.ReceivedQuantity.Readable() && l.ReceivedQuantity >= l.Remaining && l.ReceivedQuantity <= maxQuantity &&
			l.Amount.Readable() && l.Amount >= 0 && l.Amount <= maxMoney
	}
	return ok
}

// Value is what the lot is worth with r of it left: round(r × unit cost)
// for a stock-in's lot. A lot a transfer made is worth its Amount when whole,
// 0 when empty, and in between round(r × unit cost) shifted by whatever its
// Amount differs from round(received × unit cost) (a cent or so), never below
// 0. Every stock-out and transfer takes from a lot
// Value(before) − Value(after), so whatever the steps, the amounts taken
// from a lot add up to exactly its Amount and an emptied lot is worth 0:
// Σ ledger amount equals Σ Value(remaining) per goods and per location, and
// a transfer moves exactly the value it takes. The caller has checked the
// lot's numbers (Allocate).
func (l *Lot) Value(r Quantity) Money {
	switch {
	case r <= 0:
		return 0
	case l.TransferID == nil:
		return Amount(r, l.UnitCost)
	case r == l.ReceivedQuantity:
		return l.Amount
	}
	return max(0, Amount(r, l.UnitCost)+l.Amount-Amount(l.ReceivedQuantity, l.UnitCost))
}

// Limits on stock documents.
const (
	DocumentCodeMax   = 40
	DocumentLinesMax  = 500
	IdempotencyKeyMax = 100
)

// StockInInput is what stockIn takes.
type StockInInput struct {
	Type           StockInType         `json:"type"`
	LocationID     *int64              `json:"locationId"`
	Code           *string             `json:"code"`
	OccurredAt     *time.Time          `json:"occurredAt"`
	Note           *string             `json:"note"`
	IdempotencyKey *string             `json:"idempotencyKey"`
	AttachmentIDs  []int64             `json:"attachmentIds"`
	Lines          []*StockInLineInput `json:"lines"`
}

// StockInLineInput is one line of a stock-in.
type StockInLineInput struct {
	GoodsID  int64    `json:"goodsId"`
	Quantity Quantity `json:"quantity"`
	UnitCost UnitCost `json:"unitCost"`
	// Pack, when given, makes Quantity a count of that pack and UnitCost a
	// cost per pack.
	Pack      *string    `json:"pack"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

// StockOutInput is what stockOut takes.
type StockOutInput struct {
	Reason         StockOutReason       `json:"reason"`
	LocationID     *int64               `json:"locationId"`
	Code           *string              `json:"code"`
	OccurredAt     *time.Time           `json:"occurredAt"`
	Note           *string              `json:"note"`
	IdempotencyKey *string              `json:"idempotencyKey"`
	Lines          []*StockOutLineInput `json:"lines"`
}

// StockOutLineInput is one line of a stock-out.
type StockOutLineInput struct {
	GoodsID  int64    `json:"goodsId"`
	Quantity Quantity `json:"quantity"`
	Pack     *string  `json:"pack"`
	// LotID takes the line from that lot alone, whatever the issue policy.
	LotID *int64 `json:"lotId"`
}

// documentHeader checks what stock-ins and stock-outs share: code, note,
// idempotency key, a time, and a line count.
func documentHeader(code, note, key *string, occurredAt *time.Time, lines int, now time.Time) (
	c, n, k *string, at time.Time, err error,
) {
	if c, err = OptionalText("code", code, DocumentCodeMax); err != nil {
		return
	}
	if n, err = Note("note", note, NoteMax); err != nil {
		return
	}
	if k, err = OptionalText("idempotencyKey", key, IdempotencyKeyMax); err != nil {
		return
	}
	at = now
	if occurredAt != nil {
		if at, err = OccurredAt(*occurredAt, now); err != nil {
			return
		}
	}
	switch {
	case lines == 0:
		err = Invalid("lines", "a document needs at least one line")
	case lines > DocumentLinesMax:
		err = Invalid("lines", "a document has at most %d lines (got %d)", DocumentLinesMax, lines)
	}
	return
}

func lineField(i int, name string) string { return fmt.Sprintf("lines.%d.%s", i, name) }

// NewStockIn checks a stockIn input and returns the document and its lots
// (lines), with amounts computed. now is the default time.
func NewStockIn(in StockInInput, now time.Time) (*StockIn, []*Lot, error) {
	if !in.Type.Valid() {
		return nil, nil, Invalid("type", "unknown stock-in type %q", in.Type)
	}
	code, note, key, at, err := documentHeader(in.Code, in.Note, in.IdempotencyKey, in.OccurredAt, len(in.Lines), now)
	if err != nil {
		return nil, nil, err
	}
	doc := &StockIn{Type: in.Type, OccurredAt: at, Note: note, IdempotencyKey: key,
		RequestHash: requestHash(in, func(v *StockInInput) { v.IdempotencyKey = nil })}
	if code != nil {
		doc.Code = *code
	}
	lots := make([]*Lot, len(in.Lines))
	for i, l := range in.Lines {
		if l == nil {
			return nil, nil, Invalid(fmt.Sprintf("lines.%d", i), "line is missing")
		}
		if err := positive(i, l.Quantity); err != nil {
			return nil, nil, err
		}
		if l.UnitCost < 0 {
			return nil, nil, Invalid(lineField(i, "unitCost"), "unitCost must not be negative")
		}
		amount := Amount(l.Quantity, l.UnitCost)
		if doc.TotalAmount, err = AddMoney(doc.TotalAmount, amount); err != nil {
			return nil, nil, WithField(err, lineField(i, "quantity"))
		}
		lots[i] = &Lot{Line: i + 1, GoodsID: l.GoodsID, ReceivedQuantity: l.Quantity, Remaining: l.Quantity,
			UnitCost: l.UnitCost, Amount: amount, ReceivedAt: at}
		if l.ExpiresAt != nil {
			e := l.ExpiresAt.UTC().Truncate(time.Microsecond)
			lots[i].ExpiresAt = &e
		}
	}
	return doc, lots, nil
}

// NewStockOut checks a stockOut input and returns the document and its lines;
// costs are filled in by Allocate.
func NewStockOut(in StockOutInput, now time.Time) (*StockOut, []*StockOutLine, error) {
	if !in.Reason.Valid() {
		return nil, nil, Invalid("reason", "unknown stock-out reason %q", in.Reason)
	}
	code, note, key, at, err := documentHeader(in.Code, in.Note, in.IdempotencyKey, in.OccurredAt, len(in.Lines), now)
	if err != nil {
		return nil, nil, err
	}
	doc := &StockOut{Reason: in.Reason, OccurredAt: at, Note: note, IdempotencyKey: key,
		RequestHash: requestHash(in, func(v *StockOutInput) { v.IdempotencyKey = nil })}
	if code != nil {
		doc.Code = *code
	}
	lines := make([]*StockOutLine, len(in.Lines))
	for i, l := range in.Lines {
		if l == nil {
			return nil, nil, Invalid(fmt.Sprintf("lines.%d", i), "line is missing")
		}
		if err := positive(i, l.Quantity); err != nil {
			return nil, nil, err
		}
		lines[i] = &StockOutLine{Line: i + 1, GoodsID: l.GoodsID, Quantity: l.Quantity, LotID: l.LotID}
	}
	return doc, lines, nil
}

// requestHash fingerprints an input, without its idempotency key, so that a
// retry can be told from a different request that reuses the key.
func requestHash[T any](in T, strip func(*T)) string {
	strip(&in)
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AddMoney adds two amounts, or is BAD_USER_INPUT (without a field: the
// caller names the line) when the sum leaves the range of an amount.
func AddMoney(a, b Money) (Money, error) {
	s := a + b
	if s > maxMoney || s < -maxMoney {
		return 0, Invalid("", "the amount is too large: a document's total is at most %s", Money(maxMoney))
	}
	return s, nil
}

// What one goods may hold. Its on hand and stock value are running totals
// kept on the goods row and changed by every document; they stay within the
// range of a quantity and of an amount, so they are always exact BIGINTs on
// both databases (SQLite would turn an overflowing sum into an inexact REAL,
// MySQL would refuse it), and average cost and every report sum stay exact.
const (
	MaxOnHand     = Quantity(maxQuantity) // 999 999 999.999
	MaxStockValue = Money(maxMoney)       // 999 999 999 999 999.99
)

// MoveStock returns a goods' on hand and value after a movement of q and v
// (negative for a stock-out). A result above MaxOnHand or MaxStockValue is
// BAD_USER_INPUT without a field (the caller names the line); totals that are
// already outside the range, or a result below zero, can only come from a
// damaged row and are an internal error, so nothing is written over them.
func MoveStock(onHand Quantity, value Money, q Quantity, v Money) (Quantity, Money, error) {
	if !onHand.Readable() || !value.Readable() || onHand < 0 || onHand > MaxOnHand || value < 0 || value > MaxStockValue {
		return 0, 0, fmt.Errorf("the goods' stored stock is outside what wms keeps (on hand %s, value %s)", onHand, value)
	}
	nq, nv := onHand+q, value+v
	switch {
	case nq > MaxOnHand:
		return 0, 0, Invalid("", "this would put %s on hand, more than the %s one goods may hold", nq, MaxOnHand)
	case nv > MaxStockValue:
		return 0, 0, Invalid("", "this would make the goods' stock worth %s, more than the %s one goods may hold", nv, MaxStockValue)
	case nq < 0 || nv < 0:
		return 0, 0, fmt.Errorf("stock would go below zero (on hand %s, value %s)", nq, nv)
	}
	return nq, nv, nil
}

// Allocate takes want from lots in FIFO order — the caller passes the goods'
// lots with remaining > 0 sorted by (receivedAt, id), oldest first, so the
// oldest stock leaves first and a lot received later never goes before an
// earlier one. It lowers each lot's Remaining and returns the allocations;
// when the lots hold less than want it changes nothing and returns an
// InsufficientStockError.
//
// Each allocation's amount is the drop in its lot's value (Lot.Value),
// round(before × c) − round(after × c) for a stock-in's lot. Every amount is
// then in cents and within a cent of quantity × unit cost, and the amounts
// taken from a lot add up to exactly its value, so Σ ledger amount equals
// Σ remaining × unit cost and an emptied lot is worth exactly 0.
//
// A lot whose stored numbers lie outside what wms writes (a damaged row) is
// an error, not something to compute with.
func Allocate(goodsID int64, lots []*Lot, want Quantity) ([]Allocation, error) {
	var available Quantity
	for _, l := range lots {
		if !l.readable() {
			return nil, fmt.Errorf("lot %d holds numbers wms never writes (remaining %s, unit cost %s)", l.ID, l.Remaining, l.UnitCost)
		}
		available += l.Remaining
	}
	if available < want {
		return nil, &InsufficientStockError{GoodsID: goodsID, Requested: want, Available: available}
	}
	var out []Allocation
	for _, l := range lots {
		if want == 0 {
			break
		}
		if l.Remaining <= 0 {
			continue
		}
		take := min(l.Remaining, want)
		before, after := l.Remaining, l.Remaining-take
		out = append(out, Allocation{
			LotID: l.ID, Quantity: take, UnitCost: l.UnitCost,
			Amount: l.Value(before) - l.Value(after),
		})
		l.Remaining = after
		want -= take
	}
	return out, nil
}

// Warnings are what a stock-in's answer flags without refusing: lines
// whose expiry is before the document's occurredAt (stock already expired
// on arrival happens).
func StockInWarnings(lots []*Lot) []string {
	var out []string
	for _, l := range lots {
		if l.ExpiresAt != nil && l.ExpiresAt.Before(l.ReceivedAt) {
			out = append(out, fmt.Sprintf("line %d expires %s, before it was received", l.Line, l.ExpiresAt.UTC().Format(time.RFC3339)))
		}
	}
	return out
}

// StockInFilter selects stock-ins for a list, newest first.
type StockInFilter struct {
	Search     string
	LocationID *int64
	// Voided: true only voided documents, false only the others, nil both.
	Voided  *bool
	Type    *StockInType
	GoodsID *int64
	From    *time.Time
	To      *time.Time
}

// StockOutFilter selects stock-outs for a list, newest first.
type StockOutFilter struct {
	Search     string
	LocationID *int64
	// Voided: true only voided documents, false only the others, nil both.
	Voided  *bool
	Reason  *StockOutReason
	GoodsID *int64
	From    *time.Time
	To      *time.Time
}

// LedgerFilter selects ledger entries, newest first.
type LedgerFilter struct {
	GoodsID    *int64
	CategoryID *int64
	LocationID *int64
	Kind       *LedgerKind
	Search     string
	Direction  *Direction
	From       *time.Time
	To         *time.Time
}

// LotFilter selects lots for a list, in FIFO order.
type LotFilter struct {
	GoodsID      *int64
	LocationID   *int64
	IncludeEmpty bool
}

// StockFilter selects goods for the stock list.
type StockFilter struct {
	Search          string
	CategoryID      *int64
	LocationID      *int64
	LowOnly         bool
	IncludeArchived bool
	// Read is what the list reads of each goods; the zero value reads all.
	Read GoodsRead
}

// Stock is the goods' stock level.
func (g *Goods) Stock() *StockLevel { return &StockLevel{Goods: g} }
