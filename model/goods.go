package model

import (
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Goods is a stock-keeping item. Its stock level (OnHand, StockValue) is kept
// on the row by every stock movement, in the same transaction, so reading a
// page of goods with their stock is one query.
type Goods struct {
	bun.BaseModel `bun:"table:goods,alias:g"`

	ID                int64     `bun:"id,pk,autoincrement"`
	Name              string    `bun:"name,notnull"`
	NameKey           string    `bun:"name_key,notnull"`
	CategoryID        int64     `bun:"category_id,notnull"`
	Unit              string    `bun:"unit,notnull"`
	SKU               *string   `bun:"sku"`
	Barcode           *string   `bun:"barcode"`
	LowStockThreshold *Quantity `bun:"low_stock_threshold"`
	Note              *string   `bun:"note"`
	ImageID           *int64    `bun:"image_id"`
	Archived          bool      `bun:"archived,notnull"`
	// SearchText is the folded name, SKU and barcode that `search` matches.
	SearchText string   `bun:"search_text,notnull"`
	OnHand     Quantity `bun:"on_hand,notnull"`
	StockValue Money    `bun:"stock_value,notnull"`
	// TracksExpiry requires an expiry on every stock-in line of the goods;
	// IssuePolicy says which lots leave first.
	TracksExpiry bool        `bun:"tracks_expiry,notnull"`
	IssuePolicy  IssuePolicy `bun:"issue_policy,notnull"`
	CreatedAt    time.Time   `bun:"created_at,notnull"`
	UpdatedAt    time.Time   `bun:"updated_at,notnull"`
	// Category is read with the goods (one join), so a page of goods with
	// their categories is one query and needs no per-goods resolver.
	Category *Category `bun:"rel:belongs-to,join:category_id=id"`
}

// Limits on goods fields, in characters.
const (
	GoodsNameMax = 100
	UnitMax      = 20
	SKUMax       = 64
	BarcodeMax   = 64
	NoteMax      = 1000
)

// DefaultUnit is the unit of goods created without one.
const DefaultUnit = "pcs"

// GoodsInput is what createGoods takes.
type GoodsInput struct {
	Name              string       `json:"name"`
	CategoryID        int64        `json:"categoryId"`
	Unit              *string      `json:"unit"`
	SKU               *string      `json:"sku"`
	Barcode           *string      `json:"barcode"`
	LowStockThreshold *Quantity    `json:"lowStockThreshold"`
	Note              *string      `json:"note"`
	ImageID           *int64       `json:"imageId"`
	TracksExpiry      *bool        `json:"tracksExpiry"`
	IssuePolicy       *IssuePolicy `json:"issuePolicy"`
	Packs             []*PackInput `json:"packs"`
}

// GoodsUpdate lists the fields updateGoods changes; fields not Set stay.
type GoodsUpdate struct {
	ID                int64
	Name              Change[string]
	CategoryID        Change[int64]
	Unit              Change[string]
	SKU               Change[string]
	Barcode           Change[string]
	LowStockThreshold Change[Quantity]
	Note              Change[string]
	ImageID           Change[int64]
	Archived          Change[bool]
	TracksExpiry      Change[bool]
	IssuePolicy       Change[IssuePolicy]
	// Packs replaces the goods' packs when set (nil or empty: none).
	Packs Change[[]*PackInput]
}

// NewGoods checks a createGoods input and returns the goods it describes.
func NewGoods(in GoodsInput) (*Goods, error) {
	g := &Goods{CategoryID: in.CategoryID, IssuePolicy: IssueFIFO}
	unit := DefaultUnit
	if in.Unit != nil {
		unit = *in.Unit
	}
	u := GoodsUpdate{
		Name: To(in.Name), Unit: To(unit),
		SKU: Change[string]{Set: true, Value: in.SKU}, Barcode: Change[string]{Set: true, Value: in.Barcode},
		LowStockThreshold: Change[Quantity]{Set: true, Value: in.LowStockThreshold},
		Note:              Change[string]{Set: true, Value: in.Note},
		ImageID:           Change[int64]{Set: true, Value: in.ImageID},
		TracksExpiry:      Change[bool]{Set: true, Value: in.TracksExpiry},
		IssuePolicy:       Change[IssuePolicy]{Set: true, Value: in.IssuePolicy},
		Packs:             Change[[]*PackInput]{Set: true, Value: &in.Packs},
	}
	if err := g.Apply(u); err != nil {
		return nil, err
	}
	return g, nil
}

// Apply checks the fields of u that are set and writes them to g. The same
// rules serve create and update.
func (g *Goods) Apply(u GoodsUpdate) error {
	var err error
	if u.Name.Set {
		if u.Name.Value == nil {
			return Invalid("name", "name is required")
		}
		if g.Name, err = Text("name", *u.Name.Value, 1, GoodsNameMax); err != nil {
			return err
		}
		g.NameKey = Fold(g.Name)
	}
	if u.CategoryID.Set {
		if u.CategoryID.Value == nil {
			return Invalid("categoryId", "categoryId is required")
		}
		g.CategoryID = *u.CategoryID.Value
	}
	if u.Unit.Set {
		if u.Unit.Value == nil {
			return Invalid("unit", "unit is required")
		}
		if g.Unit, err = Text("unit", *u.Unit.Value, 1, UnitMax); err != nil {
			return err
		}
	}
	if u.SKU.Set {
		if g.SKU, err = OptionalText("sku", u.SKU.Value, SKUMax); err != nil {
			return err
		}
	}
	if u.Barcode.Set {
		if g.Barcode, err = OptionalText("barcode", u.Barcode.Value, BarcodeMax); err != nil {
			return err
		}
	}
	if u.LowStockThreshold.Set {
		if t := u.LowStockThreshold.Value; t != nil && *t < 0 {
			return Invalid("lowStockThreshold", "lowStockThreshold must not be negative")
		}
		g.LowStockThreshold = u.LowStockThreshold.Value
	}
	if u.Note.Set {
		if g.Note, err = Note("note", u.Note.Value, NoteMax); err != nil {
			return err
		}
	}
	if u.ImageID.Set {
		g.ImageID = u.ImageID.Value
	}
	if u.Archived.Set {
		g.Archived = u.Archived.Value != nil && *u.Archived.Value
	}
	if u.TracksExpiry.Set {
		g.TracksExpiry = u.TracksExpiry.Value != nil && *u.TracksExpiry.Value
	}
	if u.IssuePolicy.Set {
		p := IssueFIFO
		if u.IssuePolicy.Value != nil {
			p = *u.IssuePolicy.Value
		}
		if !p.Valid() {
			return Invalid("issuePolicy", "unknown issue policy %q", p)
		}
		g.IssuePolicy = p
	}
	if u.Packs.Set && u.Packs.Value != nil {
		if _, err := Packs(*u.Packs.Value); err != nil {
			return err
		}
	}
	g.SearchText = goodsSearchText(g)
	return nil
}

func goodsSearchText(g *Goods) string {
	parts := []string{g.NameKey}
	for _, p := range []*string{g.SKU, g.Barcode} {
		if p != nil {
			parts = append(parts, Fold(*p))
		}
	}
	return strings.Join(parts, "\n")
}

// GoodsOrder is the sort order of a goods list.
type GoodsOrder string

// Goods orders.
const (
	GoodsOrderNameAsc       GoodsOrder = "NAME_ASC"
	GoodsOrderNameDesc      GoodsOrder = "NAME_DESC"
	GoodsOrderCreatedAtDesc GoodsOrder = "CREATED_AT_DESC"
	GoodsOrderCreatedAtAsc  GoodsOrder = "CREATED_AT_ASC"
)

// GoodsFilter selects goods for a list.
type GoodsFilter struct {
	Search          string
	CategoryID      *int64
	IncludeArchived bool
	OrderBy         GoodsOrder
	// Read is what the list reads of each goods; the zero value reads all.
	Read GoodsRead
}

// GoodsColumns is a set of the stored fields of goods and of their
// category, for a list that reads only some of them.
type GoodsColumns uint32

// The stored fields a goods list may read besides the id, which it always
// reads. GoodsCategoryID is the category's id (Goods.CategoryID and
// Category.ID); any of GoodsCategoryColumns reads the category.
const (
	GoodsName GoodsColumns = 1 << iota
	GoodsUnit
	GoodsSKU
	GoodsBarcode
	GoodsLowStockThreshold
	GoodsNote
	GoodsImageID
	GoodsArchived
	GoodsOnHand
	GoodsStockValue
	GoodsCreatedAt
	GoodsUpdatedAt
	GoodsCategoryID
	GoodsCategoryName
	GoodsCategoryCreatedAt
	GoodsCategoryUpdatedAt
	GoodsTracksExpiry
	GoodsIssuePolicy

	// GoodsCategoryColumns are the columns read from the category.
	GoodsCategoryColumns = GoodsCategoryID | GoodsCategoryName | GoodsCategoryCreatedAt | GoodsCategoryUpdatedAt
)

// GoodsRead says what a list reads of each goods. The zero value reads every
// stored field, the category included. With Only set, the list reads the id,
// its sort keys and Columns, and leaves every other field zero (Category nil
// without any of GoodsCategoryColumns): only for a caller that will look at
// nothing else, such as a GraphQL list answering the fields it was asked.
type GoodsRead struct {
	Only    bool
	Columns GoodsColumns
}

// Reads reports whether the list reads any of columns.
func (r GoodsRead) Reads(columns GoodsColumns) bool { return !r.Only || r.Columns&columns != 0 }
