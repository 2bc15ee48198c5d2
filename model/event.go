package model

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// EventType is what an event says happened.
type EventType string

// Event types.
const (
	// EventStockChanged: a goods' stock at a location moved.
	EventStockChanged EventType = "STOCK_CHANGED"
	// EventLowStock: a goods' on hand (in total, or at a location) fell to or
	// below its low-stock threshold.
	EventLowStock EventType = "LOW_STOCK"
	// EventBackInStock: it rose above the threshold again.
	EventBackInStock EventType = "BACK_IN_STOCK"
	// EventLotsExpiring: the daily scan found lots expiring soon.
	EventLotsExpiring EventType = "LOTS_EXPIRING"
	// EventDocumentCreated: a stock document was recorded.
	EventDocumentCreated EventType = "DOCUMENT_CREATED"
	// EventDocumentVoided: a stock document was voided.
	EventDocumentVoided EventType = "DOCUMENT_VOIDED"
	// EventGoodsChanged: goods were created, changed, archived or deleted.
	EventGoodsChanged EventType = "GOODS_CHANGED"
)

// EventTypes are every event type, in the order the API lists them.
var EventTypes = []EventType{EventStockChanged, EventLowStock, EventBackInStock, EventLotsExpiring,
	EventDocumentCreated, EventDocumentVoided, EventGoodsChanged}

// Valid reports a known type.
func (t EventType) Valid() bool {
	for _, k := range EventTypes {
		if k == t {
			return true
		}
	}
	return false
}

// Event is one row of the outbox: written in the transaction of what it
// reports, so it exists if and only if that committed. Payload is JSON.
type Event struct {
	bun.BaseModel `bun:"table:events,alias:ev"`

	ID      int64     `bun:"id,pk,autoincrement"`
	Type    EventType `bun:"type,notnull"`
	At      time.Time `bun:"at,notnull"`
	Payload string    `bun:"payload,notnull"`
}

// DocumentRef names the document an event is about.
type DocumentRef struct {
	Kind string `json:"kind"` // STOCK_IN, STOCK_OUT, TRANSFER
	ID   string `json:"id"`
	Code string `json:"code"`
}

// StockChange is the payload of STOCK_CHANGED, LOW_STOCK and BACK_IN_STOCK:
// a goods' stock at a location (LocationID nil: in total) after a document.
type StockChange struct {
	GoodsID    string       `json:"goodsId"`
	LocationID *string      `json:"locationId"`
	OnHand     Quantity     `json:"onHand"`
	Value      Money        `json:"value"`
	Threshold  *Quantity    `json:"threshold,omitempty"`
	Document   *DocumentRef `json:"document,omitempty"`
}

// DocumentEvent is the payload of DOCUMENT_CREATED and DOCUMENT_VOIDED.
type DocumentEvent struct {
	DocumentRef
	LocationIDs []string `json:"locationIds"`
	Reason      *string  `json:"reason,omitempty"`
}

// GoodsEvent is the payload of GOODS_CHANGED.
type GoodsEvent struct {
	GoodsID string `json:"goodsId"`
	Change  string `json:"change"` // CREATED, UPDATED, DELETED
}

// ExpiringLot is one lot of a LOTS_EXPIRING event.
type ExpiringLot struct {
	LotID     string    `json:"lotId"`
	GoodsID   string    `json:"goodsId"`
	ExpiresAt time.Time `json:"expiresAt"`
	Remaining Quantity  `json:"remaining"`
}

// LotsExpiring is the payload of LOTS_EXPIRING: the lots of one location
// that expire before Before.
type LotsExpiring struct {
	LocationID string         `json:"locationId"`
	Before     time.Time      `json:"before"`
	Lots       []*ExpiringLot `json:"lots"`
}

// NewEvent makes an event of payload (marshalled to JSON) at.
func NewEvent(t EventType, at time.Time, payload any) *Event {
	b, err := json.Marshal(payload)
	if err != nil {
		// Only a stored number wms never writes fails to marshal; the event
		// still says what happened, without the figures.
		b = []byte(`{"unreadable":true}`)
	}
	return &Event{Type: t, At: at, Payload: string(b)}
}

// StockChangeEvent is a STOCK_CHANGED, LOW_STOCK or BACK_IN_STOCK event as a
// subscription answers it.
type StockChangeEvent struct {
	EventID    int64
	Type       EventType
	At         time.Time
	GoodsID    int64
	LocationID *int64
	OnHand     Quantity
	Value      Money
	Threshold  *Quantity
	Document   *DocumentRef
}

// DocumentKind is the kind of the document, or nil.
func (e *StockChangeEvent) DocumentKind() *string {
	if e.Document == nil {
		return nil
	}
	return &e.Document.Kind
}

// DocumentCode is the code of the document, or nil.
func (e *StockChangeEvent) DocumentCode() *string {
	if e.Document == nil {
		return nil
	}
	return &e.Document.Code
}

// ReadStockChange reads a stock event's payload; ok is false for another
// type or a payload it cannot read.
func ReadStockChange(e *Event) (*StockChangeEvent, bool) {
	if e.Type != EventStockChanged && e.Type != EventLowStock && e.Type != EventBackInStock {
		return nil, false
	}
	var c StockChange
	if err := json.Unmarshal([]byte(e.Payload), &c); err != nil {
		return nil, false
	}
	out := &StockChangeEvent{EventID: e.ID, Type: e.Type, At: e.At, OnHand: c.OnHand, Value: c.Value, Threshold: c.Threshold,
		Document: c.Document}
	var err error
	if out.GoodsID, err = strconv.ParseInt(c.GoodsID, 10, 64); err != nil {
		return nil, false
	}
	if c.LocationID != nil {
		l, err := strconv.ParseInt(*c.LocationID, 10, 64)
		if err != nil {
			return nil, false
		}
		out.LocationID = &l
	}
	return out, true
}
