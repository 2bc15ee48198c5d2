package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Location is a place stock is kept (a storeroom, the cold room, a branch).
// Every lot, document and ledger entry is at one. Its name is unique without
// regard to case. An archived location takes no new stock but keeps its
// history and may still give stock away.
type Location struct {
	bun.BaseModel `bun:"table:locations,alias:loc"`

	ID   int64  `bun:"id,pk,autoincrement"`
	Name string `bun:"name,notnull"`
	// NameKey is Fold(Name): the unique key and the sort key.
	NameKey   string    `bun:"name_key,notnull"`
	Note      *string   `bun:"note"`
	Archived  bool      `bun:"archived,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// LocationNameMax is the longest location name, in characters.
const LocationNameMax = 50

// LocationName checks and cleans a location name.
func LocationName(name string) (string, error) {
	return Text("name", name, 1, LocationNameMax)
}

// LocationInput is what createLocation takes.
type LocationInput struct {
	Name string  `json:"name"`
	Note *string `json:"note"`
}

// LocationUpdate is what updateLocation takes: a field left out stays.
type LocationUpdate struct {
	ID   int64   `json:"id"`
	Name *string `json:"name"`
	Note *string `json:"note"`
}

// LocationFilter selects locations for a list, by name.
type LocationFilter struct {
	Search          string
	IncludeArchived bool
}

// LocationStock is what one goods has at one location: the running totals
// every document at that location moves, as the goods row keeps them for
// all locations together.
type LocationStock struct {
	bun.BaseModel `bun:"table:stock_levels,alias:sl"`

	GoodsID    int64    `bun:"goods_id,pk"`
	LocationID int64    `bun:"location_id,pk"`
	OnHand     Quantity `bun:"on_hand,notnull"`
	StockValue Money    `bun:"stock_value,notnull"`
}

// UserLocation is one location a user may write documents at; a user with
// none may write at every location.
type UserLocation struct {
	bun.BaseModel `bun:"table:user_locations,alias:ul"`

	UserID     int64 `bun:"user_id,pk"`
	LocationID int64 `bun:"location_id,pk"`
}
