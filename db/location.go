package db

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"wms/model"
)

var locationOrder = listOrder{name: "NAME_ASC", cols: []sortCol{{"loc.name_key", kindString}, {"loc.id", kindInt}}}

func locationKeys(l *model.Location) []any { return []any{l.NameKey, l.ID} }

// Locations lists locations by name; archived ones only when asked.
func (s *Store) Locations(ctx context.Context, f model.LocationFilter, p model.PageArgs) (*model.Page[*model.Location], error) {
	base := func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.Location)(nil))
		if f.Search != "" {
			q = q.Where("loc.name_key LIKE ? ESCAPE '!'", likeContains(f.Search))
		}
		if !f.IncludeArchived {
			q = q.Where("loc.archived = FALSE")
		}
		return q
	}
	return page(ctx, base, p, locationOrder, locationKeys)
}

// Location returns one location, or NOT_FOUND.
func (s *Store) Location(ctx context.Context, id int64) (*model.Location, error) {
	l := new(model.Location)
	if err := s.db.NewSelect().Model(l).Where("loc.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("location", id))
	}
	return l, nil
}

// LocationsByIDs returns the locations with these ids.
func (s *Store) LocationsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Location, error) {
	var ls []*model.Location
	err := s.db.NewSelect().Model(&ls).Where("loc.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ls, func(l *model.Location) int64 { return l.ID }), err
}

func locationNameTaken(name string) error {
	return &model.Error{Code: model.CodeConflict, Field: "name",
		Message: fmt.Sprintf("a location named %q already exists", name)}
}

// CreateLocation adds a location; a name already used (in any case) is a CONFLICT.
func (s *Store) CreateLocation(ctx context.Context, in model.LocationInput) (*model.Location, error) {
	name, err := model.LocationName(in.Name)
	if err != nil {
		return nil, err
	}
	note, err := model.Note("note", in.Note, model.NoteMax)
	if err != nil {
		return nil, err
	}
	now := s.now()
	l := &model.Location{Name: name, NameKey: model.Fold(name), Note: note, CreatedAt: now, UpdatedAt: now}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(l).Exec(ctx)
		return err
	})
	if isUniqueViolation(err) {
		return nil, locationNameTaken(name)
	}
	if err != nil {
		return nil, fmt.Errorf("create location: %w", err)
	}
	return l, nil
}

// UpdateLocation renames a location or changes its note.
func (s *Store) UpdateLocation(ctx context.Context, in model.LocationUpdate) (*model.Location, error) {
	var name string
	if in.Name != nil {
		var err error
		if name, err = model.LocationName(*in.Name); err != nil {
			return nil, err
		}
	}
	note, err := model.Note("note", in.Note, model.NoteMax)
	if err != nil {
		return nil, err
	}
	return s.changeLocation(ctx, in.ID, func(l *model.Location) []string {
		cols := []string{"updated_at"}
		if in.Name != nil {
			l.Name, l.NameKey = name, model.Fold(name)
			cols = append(cols, "name", "name_key")
		}
		if in.Note != nil {
			l.Note = note
			cols = append(cols, "note")
		}
		return cols
	})
}

// ArchiveLocation archives a location (it takes no new stock; its stock may
// still leave) or brings it back.
func (s *Store) ArchiveLocation(ctx context.Context, id int64, archived bool) (*model.Location, error) {
	return s.changeLocation(ctx, id, func(l *model.Location) []string {
		l.Archived = archived
		return []string{"archived", "updated_at"}
	})
}

func (s *Store) changeLocation(ctx context.Context, id int64, change func(*model.Location) []string) (*model.Location, error) {
	var l *model.Location
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		l = new(model.Location)
		if err := forUpdate(tx.NewSelect().Model(l).Where("loc.id = ?", id)).Scan(ctx); err != nil {
			return notFound(err, model.NotFound("location", id))
		}
		cols := change(l)
		l.UpdatedAt = s.now()
		_, err := tx.NewUpdate().Model(l).Column(cols...).WherePK().Exec(ctx)
		return err
	})
	if isUniqueViolation(err) {
		return nil, locationNameTaken(l.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("update location %d: %w", id, err)
	}
	return l, nil
}

// DeleteLocation removes a location that has never held stock nor been
// named by a document; one with any history is a CONFLICT (archive it
// instead), and so is the last location.
func (s *Store) DeleteLocation(ctx context.Context, id int64) error {
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		l := new(model.Location)
		if err := forUpdate(tx.NewSelect().Model(l).Where("loc.id = ?", id)).Scan(ctx); err != nil {
			return notFound(err, model.NotFound("location", id))
		}
		var used bool
		err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM lots WHERE location_id = ?)
			OR EXISTS (SELECT 1 FROM stock_ins WHERE location_id = ?)
			OR EXISTS (SELECT 1 FROM stock_outs WHERE location_id = ?)
			OR EXISTS (SELECT 1 FROM transfers WHERE from_location_id = ? OR to_location_id = ?)`,
			id, id, id, id, id).Scan(ctx, &used)
		if err != nil {
			return err
		}
		if used {
			return locationInUse(l.Name)
		}
		n, err := tx.NewSelect().Model((*model.Location)(nil)).Count(ctx)
		if err != nil {
			return err
		}
		if n == 1 {
			return model.Conflict("location %q is the only one; stock needs somewhere to be", l.Name)
		}
		if _, err := tx.NewDelete().Model((*model.UserLocation)(nil)).Where("location_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		_, err = tx.NewDelete().Model(l).WherePK().Exec(ctx)
		return err
	})
	if isForeignKeyViolation(err) {
		return locationInUse(fmt.Sprint(id))
	}
	if err != nil {
		return fmt.Errorf("delete location %d: %w", id, err)
	}
	return nil
}

func locationInUse(name string) error {
	return model.Conflict("location %q has stock history; archive it instead", name)
}

// documentLocation is the location a document names (field is its input
// field), checked: it exists, and when receiving (the document brings stock
// in there) it is not archived. Left out, it is the only location when there
// is exactly one, and BAD_USER_INPUT otherwise. It then checks that the
// acting user may write documents there (CheckLocations).
func (s *Store) documentLocation(ctx context.Context, id *int64, field string, receiving bool) (int64, error) {
	l, err := s.locationFor(ctx, id, field, receiving)
	if err != nil {
		return 0, err
	}
	return l.ID, nil
}

// locationFor is documentLocation answering the location.
func (s *Store) locationFor(ctx context.Context, id *int64, field string, receiving bool) (*model.Location, error) {
	var ls []*model.Location
	q := s.db.NewSelect().Model(&ls).Column("id", "name", "archived")
	if id != nil {
		q = q.Where("loc.id = ?", *id)
	} else {
		q = q.OrderExpr("loc.id").Limit(2)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("read location: %w", err)
	}
	switch {
	case id != nil && len(ls) == 0:
		return nil, model.Invalid(field, "location %d does not exist", *id)
	case id == nil && len(ls) > 1:
		return nil, model.Invalid(field, "%s is required: there is more than one location", field)
	case id == nil && len(ls) == 0:
		return nil, model.Invalid(field, "there is no location: create one first")
	}
	l := ls[0]
	if receiving && l.Archived {
		return nil, archivedLocation(field, l)
	}
	return l, s.CheckLocations(ctx, field, l)
}

func archivedLocation(field string, l *model.Location) error {
	return model.Invalid(field, "location %q is archived and takes no new stock", l.Name)
}

// CheckLocations refuses with FORBIDDEN, naming the first location not
// allowed, when the acting user is limited to some locations and the
// document touches one outside them. Without an acting user (the command
// line) nothing is limited.
func (s *Store) CheckLocations(ctx context.Context, field string, ls ...*model.Location) error {
	actor := model.ActorFrom(ctx)
	if actor == nil {
		return nil
	}
	allowed, err := s.UserLocationIDs(ctx, []int64{*actor})
	if err != nil {
		return fmt.Errorf("read the user's locations: %w", err)
	}
	mine := allowed[*actor]
	if len(mine) == 0 {
		return nil
	}
	for _, l := range ls {
		if !slices.Contains(mine, l.ID) {
			return &model.Error{Code: model.CodeForbidden, Field: field,
				Message: fmt.Sprintf("you may not write documents at location %q", l.Name)}
		}
	}
	return nil
}

// UserLocationIDs returns the locations each of these users is limited to,
// by location id; a user limited to none is missing (every location).
func (s *Store) UserLocationIDs(ctx context.Context, userIDs []int64) (map[int64][]int64, error) {
	var rows []*model.UserLocation
	err := s.db.NewSelect().Model(&rows).Where("ul.user_id IN (?)", bun.List(userIDs)).
		OrderExpr("ul.user_id, ul.location_id").Scan(ctx)
	m := map[int64][]int64{}
	for _, r := range rows {
		m[r.UserID] = append(m[r.UserID], r.LocationID)
	}
	return m, err
}

// SetUserLocations limits a user to these locations (none: every location),
// replacing what was set; an unknown location is BAD_USER_INPUT.
func (s *Store) SetUserLocations(ctx context.Context, tx bun.IDB, userID int64, ids []int64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 {
		n, err := tx.NewSelect().Model((*model.Location)(nil)).Where("loc.id IN (?)", bun.List(ids)).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) != len(ids) {
			return model.Invalid("locationIds", "a location does not exist")
		}
	}
	if _, err := tx.NewDelete().Model((*model.UserLocation)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]*model.UserLocation, len(ids))
	for i, id := range ids {
		rows[i] = &model.UserLocation{UserID: userID, LocationID: id}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// StockByLocation returns the stock each of these goods has at each location
// that holds some of it, by goods, in location order.
func (s *Store) StockByLocation(ctx context.Context, goodsIDs []int64) (map[int64][]*model.LocationStock, error) {
	var rows []*model.LocationStock
	err := s.db.NewSelect().Model(&rows).Where("sl.goods_id IN (?)", bun.List(goodsIDs)).
		Where("sl.on_hand <> 0 OR sl.stock_value <> 0").
		OrderExpr("sl.goods_id, sl.location_id").Scan(ctx)
	m := make(map[int64][]*model.LocationStock, len(goodsIDs))
	for _, r := range rows {
		m[r.GoodsID] = append(m[r.GoodsID], r)
	}
	return m, err
}

// AllLocations returns every location, archived ones too, by id.
func (s *Store) AllLocations(ctx context.Context) ([]*model.Location, error) {
	var ls []*model.Location
	err := s.db.NewSelect().Model(&ls).OrderExpr("loc.id").Scan(ctx)
	return ls, err
}
