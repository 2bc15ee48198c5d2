package model

import (
	"cmp"
	"slices"
	"time"
)

// The two reports read straight from the ledger: the movement summary of a
// period (进销存) and the valuation at an instant. Both are sums of ledger
// entries by their occurredAt; this file is how those sums make a report's
// rows, exactly, in integers.
//
// Incoming and outgoing follow each entry's direction: an IN entry counts in
// incoming, an OUT entry in outgoing (as a positive amount), whatever its
// kind — kinds added later, reversals (VOID) and transfers included. Without
// a location a transfer is both: out of one place and into another, so it
// adds to incoming and outgoing alike and leaves closing as it was.

// MaxReportPeriod is the longest period a movement summary covers.
const MaxReportPeriod = 10 // years

// StockAmount is a quantity of goods and its value.
type StockAmount struct {
	Quantity Quantity `json:"quantity"`
	Value    Money    `json:"value"`
}

// IsZero reports nothing and worth nothing.
func (a StockAmount) IsZero() bool { return a.Quantity == 0 && a.Value == 0 }

// Plus adds b, exactly: a sum past the range of int64 (or of an unreadable
// number) is unreadable.
func (a StockAmount) Plus(b StockAmount) StockAmount {
	return StockAmount{Quantity: Quantity(addExact(int64(a.Quantity), int64(b.Quantity))),
		Value: Money(addExact(int64(a.Value), int64(b.Value)))}
}

func (a StockAmount) negated() StockAmount {
	return StockAmount{Quantity: Quantity(negExact(int64(a.Quantity))), Value: Money(negExact(int64(a.Value)))}
}

// addExact is a + b, or the unreadable mark when either is unreadable or
// the sum does not fit.
func addExact(a, b int64) int64 {
	if a == unreadable || b == unreadable {
		return unreadable
	}
	s := a + b
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
		return unreadable
	}
	return s
}

func negExact(a int64) int64 {
	if a == unreadable {
		return unreadable
	}
	return -a
}

// KindKey names the entries of one ledger kind in one direction.
type KindKey struct {
	Kind      LedgerKind
	Direction Direction
}

// KindSums are the sums of a goods' ledger entries up to an instant, per
// kind and direction, signed as the ledger is.
type KindSums map[KindKey]StockAmount

// Add adds the sums of one kind and direction.
func (k KindSums) Add(key KindKey, a StockAmount) {
	k[key] = k[key].Plus(a)
}

// Balance is what the sums leave in stock: their total.
func (k KindSums) Balance() StockAmount {
	var b StockAmount
	for _, key := range k.keys() {
		b = b.Plus(k[key])
	}
	return b
}

func (k KindSums) keys() []KindKey {
	keys := make([]KindKey, 0, len(k))
	for key := range k {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, compareKinds)
	return keys
}

// compareKinds orders IN before OUT, then kinds by name.
func compareKinds(a, b KindKey) int {
	return cmp.Or(cmp.Compare(outgoing(a.Direction), outgoing(b.Direction)), cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Direction, b.Direction))
}

func outgoing(d Direction) int {
	if d == DirectionOut {
		return 1
	}
	return 0
}

// KindTotal is what one kind of entry moved in a period, in one direction:
// a positive quantity and value for IN and for OUT alike.
type KindTotal struct {
	Kind      LedgerKind `json:"kind"`
	Direction Direction  `json:"direction"`
	Quantity  Quantity   `json:"quantity"`
	Value     Money      `json:"value"`
}

// Movement is one goods' (or, as totals, every goods') movement summary of a
// period: closing = opening + incoming − outgoing, exactly.
type Movement struct {
	// GoodsID is 0 for the totals.
	GoodsID int64
	// LocationID is the location the summary is of, or nil for all.
	LocationID *int64
	Opening    StockAmount
	Incoming   StockAmount
	Outgoing   StockAmount
	Closing    StockAmount
	ByKind     []KindTotal
}

// NewMovement makes the summary of a period from the sums of a goods'
// entries before it starts (opening) and before it ends (closing).
func NewMovement(goodsID int64, location *int64, opening, closing KindSums) *Movement {
	m := &Movement{GoodsID: goodsID, LocationID: location, Opening: opening.Balance()}
	moved := KindSums{}
	for key, a := range closing {
		moved.Add(key, a)
	}
	for key, a := range opening {
		moved.Add(key, a.negated())
	}
	for _, key := range moved.keys() {
		a := moved[key]
		if a.IsZero() {
			continue
		}
		if key.Direction == DirectionOut {
			a = a.negated()
			m.Outgoing = m.Outgoing.Plus(a)
		} else {
			m.Incoming = m.Incoming.Plus(a)
		}
		m.ByKind = append(m.ByKind, KindTotal{Kind: key.Kind, Direction: key.Direction, Quantity: a.Quantity, Value: a.Value})
	}
	m.Closing = m.Opening.Plus(m.Incoming).Plus(m.Outgoing.negated())
	return m
}

// Shown reports a row the summary lists: stock at the start or movement in
// the period.
func (m *Movement) Shown() bool { return !m.Opening.IsZero() || len(m.ByKind) > 0 }

// Add adds a row to totals.
func (m *Movement) Add(r *Movement) {
	m.Opening = m.Opening.Plus(r.Opening)
	m.Incoming = m.Incoming.Plus(r.Incoming)
	m.Outgoing = m.Outgoing.Plus(r.Outgoing)
	m.Closing = m.Closing.Plus(r.Closing)
	for _, k := range r.ByKind {
		i := slices.IndexFunc(m.ByKind, func(t KindTotal) bool { return t.Kind == k.Kind && t.Direction == k.Direction })
		if i < 0 {
			m.ByKind = append(m.ByKind, k)
			continue
		}
		a := StockAmount{m.ByKind[i].Quantity, m.ByKind[i].Value}.Plus(StockAmount{k.Quantity, k.Value})
		m.ByKind[i].Quantity, m.ByKind[i].Value = a.Quantity, a.Value
	}
	slices.SortFunc(m.ByKind, func(a, b KindTotal) int {
		return compareKinds(KindKey{a.Kind, a.Direction}, KindKey{b.Kind, b.Direction})
	})
}

// Valuation is one goods' (or, as totals, every goods') stock at an
// instant, summed from the ledger.
type Valuation struct {
	// GoodsID is 0 for the totals.
	GoodsID    int64
	LocationID *int64
	StockAmount
}

// AverageCost is value / quantity, or nil when there is nothing or it does
// not fit (as StockLevel's).
func (v *Valuation) AverageCost() *UnitCost {
	if !v.Quantity.Readable() || !v.Value.Readable() {
		return nil
	}
	c, ok := AverageCost(v.Value, v.Quantity)
	if !ok {
		return nil
	}
	return &c
}

// ReportFilter is what both reports take besides their times.
type ReportFilter struct {
	LocationID *int64
	CategoryID *int64
	Search     string
}

// ReportPeriod checks a movement summary's period, from inclusive to
// exclusive: to not before from, at most MaxReportPeriod years long.
func ReportPeriod(from, to time.Time) (time.Time, time.Time, error) {
	from, to = from.UTC(), to.UTC()
	if to.Before(from) {
		return from, to, Invalid("to", "to is before from")
	}
	if to.After(from.AddDate(MaxReportPeriod, 0, 0)) {
		return from, to, Invalid("to", "a period is at most %d years long", MaxReportPeriod)
	}
	return from, to, nil
}
