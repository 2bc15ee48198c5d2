package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"wms/model"
)

var categoryOrders = map[model.CategoryOrder]listOrder{
	model.CategoryOrderNameAsc:       {name: "NAME_ASC", cols: []sortCol{{"c.name_key", kindString}, {"c.id", kindInt}}},
	model.CategoryOrderNameDesc:      {name: "NAME_DESC", desc: true, cols: []sortCol{{"c.name_key", kindString}, {"c.id", kindInt}}},
	model.CategoryOrderCreatedAtAsc:  {name: "CREATED_AT_ASC", cols: []sortCol{{"c.created_at", kindTime}, {"c.id", kindInt}}},
	model.CategoryOrderCreatedAtDesc: {name: "CREATED_AT_DESC", desc: true, cols: []sortCol{{"c.created_at", kindTime}, {"c.id", kindInt}}},
}

func categoryKeys(ord listOrder) func(*model.Category) []any {
	if ord.cols[0].kind == kindTime {
		return func(c *model.Category) []any { return []any{c.CreatedAt, c.ID} }
	}
	return func(c *model.Category) []any { return []any{c.NameKey, c.ID} }
}

// Categories lists categories, by name unless asked otherwise.
func (s *Store) Categories(ctx context.Context, f model.CategoryFilter, p model.PageArgs) (*model.Page[*model.Category], error) {
	ord, ok := categoryOrders[f.OrderBy]
	if !ok {
		ord = categoryOrders[model.CategoryOrderNameAsc]
	}
	base := func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.Category)(nil))
		if f.Search != "" {
			q = q.Where("c.name_key LIKE ? ESCAPE '!'", likeContains(f.Search))
		}
		return q
	}
	return page(ctx, base, p, ord, categoryKeys(ord))
}

// Category returns one category, or NOT_FOUND.
func (s *Store) Category(ctx context.Context, id int64) (*model.Category, error) {
	c := new(model.Category)
	err := s.db.NewSelect().Model(c).Where("c.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, model.NotFound("category", id))
	}
	return c, nil
}

// CategoriesByIDs returns the categories with these ids, in no order; ids
// that do not exist are left out.
func (s *Store) CategoriesByIDs(ctx context.Context, ids []int64) ([]*model.Category, error) {
	var cs []*model.Category
	err := s.db.NewSelect().Model(&cs).Where("c.id IN (?)", bun.List(ids)).Scan(ctx)
	return cs, err
}

// GoodsCounts counts the goods of each category, archived ones included.
func (s *Store) GoodsCounts(ctx context.Context, categoryIDs []int64) (map[int64]int, error) {
	var rows []struct {
		CategoryID int64 `bun:"category_id"`
		N          int   `bun:"n"`
	}
	err := s.db.NewSelect().TableExpr("goods").ColumnExpr("category_id, COUNT(*) AS n").
		Where("category_id IN (?)", bun.List(categoryIDs)).Group("category_id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	counts := make(map[int64]int, len(categoryIDs))
	for _, r := range rows {
		counts[r.CategoryID] = r.N
	}
	return counts, nil
}

func nameTaken(name string) error {
	return &model.Error{Code: model.CodeConflict, Field: "name",
		Message: fmt.Sprintf("a category named %q already exists", name)}
}

// CreateCategory adds a category; a name already used (in any case) is a CONFLICT.
func (s *Store) CreateCategory(ctx context.Context, in model.CategoryInput) (*model.Category, error) {
	name, err := model.CategoryName(in.Name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &model.Category{Name: name, NameKey: model.Fold(name), CreatedAt: now, UpdatedAt: now}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(c).Exec(ctx)
		return err
	})
	if isUniqueViolation(err) {
		return nil, nameTaken(name)
	}
	if err != nil {
		return nil, fmt.Errorf("create category: %w", err)
	}
	return c, nil
}

// UpdateCategory renames a category.
func (s *Store) UpdateCategory(ctx context.Context, in model.CategoryUpdate) (*model.Category, error) {
	name, err := model.CategoryName(in.Name)
	if err != nil {
		return nil, err
	}
	var c *model.Category
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c = new(model.Category)
		if err := tx.NewSelect().Model(c).Where("c.id = ?", in.ID).Scan(ctx); err != nil {
			return notFound(err, model.NotFound("category", in.ID))
		}
		c.Name, c.NameKey, c.UpdatedAt = name, model.Fold(name), s.now()
		_, err := tx.NewUpdate().Model(c).Column("name", "name_key", "updated_at").WherePK().Exec(ctx)
		return err
	})
	if isUniqueViolation(err) {
		return nil, nameTaken(name)
	}
	if err != nil {
		return nil, fmt.Errorf("update category %d: %w", in.ID, err)
	}
	return c, nil
}

// DeleteCategory removes a category that has no goods; one that still has
// goods (archived ones too) is a CONFLICT.
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c := new(model.Category)
		if err := forUpdate(tx.NewSelect().Model(c).Where("c.id = ?", id)).Scan(ctx); err != nil {
			return notFound(err, model.NotFound("category", id))
		}
		n, err := tx.NewSelect().TableExpr("goods").Where("category_id = ?", id).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return categoryInUse(c.Name, n)
		}
		_, err = tx.NewDelete().Model(c).WherePK().Exec(ctx)
		return err
	})
	if isForeignKeyViolation(err) {
		return categoryInUse(fmt.Sprint(id), 0)
	}
	if err != nil {
		return fmt.Errorf("delete category %d: %w", id, err)
	}
	return nil
}

func categoryInUse(name string, n int64) error {
	if n == 0 {
		return model.Conflict("category %s still has goods; move or delete them first", name)
	}
	return model.Conflict("category %q still has %d goods (archived ones count); move or delete them first", name, n)
}
