package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns a value the server makes for itself once and every
// replica then shares, such as the key that signs media URLs: the stored
// value of the setting name, or, when there is none yet, generate()'s, stored.
// Replicas starting together may each make one: the first stored wins and
// all of them answer it.
func (s *Store) Setting(ctx context.Context, name string, generate func() (string, error)) (string, error) {
	var value string
	err := s.db.NewSelect().Table("settings").Column("value").Where("name = ?", name).Scan(ctx, &value)
	if err == nil {
		return value, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	fresh, err := generate()
	if err != nil {
		return "", fmt.Errorf("make setting %s: %w", name, err)
	}
	row := map[string]any{"name": name, "value": fresh, "created_at": s.now()}
	if _, err := s.db.NewInsert().Model(&row).TableExpr("settings").Exec(ctx); err != nil && !isUniqueViolation(err) {
		return "", fmt.Errorf("store setting %s: %w", name, err)
	}
	if err := s.db.NewSelect().Table("settings").Column("value").Where("name = ?", name).Scan(ctx, &value); err != nil {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	return value, nil
}
