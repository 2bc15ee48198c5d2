package model

import "context"

// Page sizes of every list (SPEC §2).
const (
	DefaultFirst = 20
	MaxFirst     = 200
)

// PageArgs are the Relay arguments every list takes: first/after for keyset
// pages, offset for page-number tables.
type PageArgs struct {
	First  *int
	After  *string
	Offset *int
}

// Limit is the page size asked for: first, defaulted and capped.
func (p PageArgs) Limit() (int, error) {
	if p.First == nil {
		return DefaultFirst, nil
	}
	if *p.First < 0 {
		return 0, Invalid("first", "first must not be negative")
	}
	return min(*p.First, MaxFirst), nil
}

// Skip is the offset asked for, checked.
func (p PageArgs) Skip() (int, error) {
	if p.Offset == nil {
		return 0, nil
	}
	if *p.Offset < 0 {
		return 0, Invalid("offset", "offset must not be negative")
	}
	if p.After != nil && *p.Offset > 0 {
		return 0, Invalid("offset", "use either after or offset, not both")
	}
	return *p.Offset, nil
}

// Page is one page of a list, with a cursor for every item.
type Page[T any] struct {
	Items []T
	// Cursor is the cursor of Items[i], made when asked for: most pages are
	// read without the cursors of their rows, or with only the last one.
	Cursor  func(i int) string
	HasNext bool
	HasPrev bool
	// Count counts the whole filtered list; it runs a query, so only when asked.
	Count func(context.Context) (int, error)
}

// EndCursor is the cursor of the last item, or nil on an empty page.
func (p *Page[T]) EndCursor() *string {
	if len(p.Items) == 0 {
		return nil
	}
	c := p.Cursor(len(p.Items) - 1)
	return &c
}
