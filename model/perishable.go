package model

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// IssuePolicy is which lots of a goods leave first.
type IssuePolicy string

// Issue policies.
const (
	// FIFO: oldest received first (the default).
	IssueFIFO IssuePolicy = "FIFO"
	// FEFO: earliest expiry first, lots without a date last, then oldest
	// received.
	IssueFEFO IssuePolicy = "FEFO"
)

// Valid reports a known policy.
func (p IssuePolicy) Valid() bool { return p == IssueFIFO || p == IssueFEFO }

// IssueOrder sorts the lots of one goods at one location, read oldest
// first, into the order they leave in under policy: unchanged for FIFO (and
// for a policy wms does not know), earliest expiry first for FEFO. Whatever
// the order, each allocation costs its own lot's unit cost.
func IssueOrder(policy IssuePolicy, lots []*Lot) {
	if policy != IssueFEFO {
		return
	}
	slices.SortStableFunc(lots, func(a, b *Lot) int {
		switch {
		case a.ExpiresAt == nil && b.ExpiresAt == nil:
		case a.ExpiresAt == nil:
			return 1
		case b.ExpiresAt == nil:
			return -1
		default:
			if c := a.ExpiresAt.Compare(*b.ExpiresAt); c != 0 {
				return c
			}
		}
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), cmp.Compare(a.ID, b.ID))
	})
}

// Pack is a way a goods comes: a box holds 12 of the goods' unit.
type Pack struct {
	bun.BaseModel `bun:"table:goods_packs,alias:gp"`

	GoodsID  int64    `bun:"goods_id,pk"`
	Position int      `bun:"position,pk"`
	Name     string   `bun:"name,notnull"`
	NameKey  string   `bun:"name_key,notnull"`
	Quantity Quantity `bun:"quantity,notnull"`
}

// PackInput is one pack of createGoods or updateGoods.
type PackInput struct {
	Name     string   `json:"name"`
	Quantity Quantity `json:"quantity"`
}

// PackNameMax is the longest pack name, in characters.
const PackNameMax = 30

// Packs checks a goods' packs: names 1–30 characters, unique without regard
// to case, quantities greater than 0; at most 20.
func Packs(in []*PackInput) ([]*Pack, error) {
	if len(in) > 20 {
		return nil, Invalid("packs", "a goods has at most 20 packs")
	}
	out := make([]*Pack, len(in))
	seen := map[string]bool{}
	for i, p := range in {
		if p == nil {
			return nil, Invalid(fmt.Sprintf("packs.%d", i), "pack is missing")
		}
		name, err := Text(fmt.Sprintf("packs.%d.name", i), p.Name, 1, PackNameMax)
		if err != nil {
			return nil, err
		}
		if seen[Fold(name)] {
			return nil, Invalid(fmt.Sprintf("packs.%d.name", i), "pack %q is named twice", name)
		}
		seen[Fold(name)] = true
		if p.Quantity <= 0 || p.Quantity > maxQuantity {
			return nil, Invalid(fmt.Sprintf("packs.%d.quantity", i), "a pack holds more than 0, up to 3 decimals")
		}
		out[i] = &Pack{Position: i + 1, Name: name, NameKey: Fold(name), Quantity: p.Quantity}
	}
	return out, nil
}

// FindPack returns the pack of packs named name (any case), or nil.
func FindPack(packs []*Pack, name string) *Pack {
	key := Fold(name)
	for _, p := range packs {
		if p.NameKey == key {
			return p
		}
	}
	return nil
}

// InPacks is n of a pack: n × the pack's quantity in the goods' unit,
// refused when that needs more than 3 decimals or passes the largest
// quantity. field names the quantity.
func (p *Pack) InPacks(n Quantity, field string) (Quantity, error) {
	// n and the pack's quantity are thousandths: the product counts millionths.
	base, ok := mulDivRound(int64(n), int64(p.Quantity), 1)
	if !ok || base%1000 != 0 || base/1000 > maxQuantity {
		return 0, Invalid(field, "%s %s of %s each is not a quantity of at most 3 decimals (and at most %s)",
			n, p.Name, p.Quantity, Quantity(maxQuantity))
	}
	return Quantity(base / 1000), nil
}

// UnitCost is a cost per pack as a cost per unit of the goods, rounded half
// up to 4 decimals.
func (p *Pack) UnitCost(perPack UnitCost) (UnitCost, bool) {
	// perPack is ten-thousandths per pack; a pack is p.Quantity/1000 units.
	c, ok := mulDivRound(int64(perPack), 1000, int64(p.Quantity))
	return UnitCost(c), ok && c <= maxUnitCost
}

// PackQuantity is part of an on hand in whole packs: Quantity of Pack, or
// with Pack nil, the rest in the goods' unit.
type PackQuantity struct {
	Pack     *string  `json:"pack"`
	Quantity Quantity `json:"quantity"`
}

// InPacks shows an on hand as whole packs, the largest first, plus the rest
// in the goods' unit: 29 with boxes of 12 is 2 boxes and 5.
func InPacks(onHand Quantity, packs []*Pack) []*PackQuantity {
	sorted := slices.Clone(packs)
	slices.SortStableFunc(sorted, func(a, b *Pack) int { return cmp.Compare(b.Quantity, a.Quantity) })
	var out []*PackQuantity
	left := onHand
	for _, p := range sorted {
		if !left.Readable() || left < p.Quantity {
			continue
		}
		n := left / p.Quantity
		left -= n * p.Quantity
		out = append(out, &PackQuantity{Pack: &p.Name, Quantity: n * 1000})
	}
	if left != 0 || len(out) == 0 {
		out = append(out, &PackQuantity{Quantity: left})
	}
	return out
}

// WriteOffInput is what writeOffExpired takes.
type WriteOffInput struct {
	LocationID     *int64     `json:"locationId"`
	Before         *time.Time `json:"before"`
	Note           *string    `json:"note"`
	IdempotencyKey *string    `json:"idempotencyKey"`
}

// ExpiringFilter selects lots that expire before a time, soonest first.
type ExpiringFilter struct {
	Before     time.Time
	LocationID *int64
	CategoryID *int64
}

// Expiry is what a goods' lots with something left say about expiry.
type Expiry struct {
	Next    *time.Time
	Expired Quantity
}
