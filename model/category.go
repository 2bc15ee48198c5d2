package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Category groups goods ("vegetables", "drinks"). Its name is unique without
// regard to case.
type Category struct {
	bun.BaseModel `bun:"table:categories,alias:c"`

	ID   int64  `bun:"id,pk,autoincrement"`
	Name string `bun:"name,notnull"`
	// NameKey is Fold(Name): the unique key and the sort key.
	NameKey   string    `bun:"name_key,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// CategoryNameMax is the longest category name, in characters.
const CategoryNameMax = 50

// CategoryName checks and cleans a category name.
func CategoryName(name string) (string, error) {
	return Text("name", name, 1, CategoryNameMax)
}

// CategoryInput is what createCategory takes.
type CategoryInput struct {
	Name string `json:"name"`
}

// CategoryUpdate is what updateCategory takes.
type CategoryUpdate struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// CategoryOrder is the sort order of a category list.
type CategoryOrder string

// Category orders.
const (
	CategoryOrderNameAsc       CategoryOrder = "NAME_ASC"
	CategoryOrderNameDesc      CategoryOrder = "NAME_DESC"
	CategoryOrderCreatedAtDesc CategoryOrder = "CREATED_AT_DESC"
	CategoryOrderCreatedAtAsc  CategoryOrder = "CREATED_AT_ASC"
)

// CategoryFilter selects categories for a list.
type CategoryFilter struct {
	Search  string
	OrderBy CategoryOrder
}
