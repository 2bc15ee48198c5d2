package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// Users and tokens: the auth service's store.

var userOrder = listOrder{name: "USERNAME", cols: []sortCol{{"u.username_key", kindString}, {"u.id", kindInt}}}

// CountUsers counts every user, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	n, err := s.db.NewSelect().Model((*model.User)(nil)).Count(ctx)
	return int(n), err
}

// CreateUser adds a user; a username taken (in any case) is a CONFLICT.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	_, err := s.db.NewInsert().Model(u).Exec(ctx)
	if isUniqueViolation(err) {
		return &model.Error{Code: model.CodeConflict, Field: "username", Message: fmt.Sprintf("username %q is taken", u.Username)}
	}
	return err
}

// UserByID returns one user, or NOT_FOUND.
func (s *Store) UserByID(ctx context.Context, id int64) (*model.User, error) {
	u := new(model.User)
	if err := s.db.NewSelect().Model(u).Where("u.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("user", id))
	}
	return u, nil
}

// UserByUsername returns the user with this name in any case, or NOT_FOUND.
func (s *Store) UserByUsername(ctx context.Context, username string) (*model.User, error) {
	name, err := model.Username(username)
	if err != nil {
		return nil, &model.Error{Code: model.CodeNotFound, Message: "no such user"}
	}
	u := new(model.User)
	if err := s.db.NewSelect().Model(u).Where("u.username_key = ?", model.Fold(name)).Scan(ctx); err != nil {
		return nil, notFound(err, &model.Error{Code: model.CodeNotFound, Message: fmt.Sprintf("no user %q", name)})
	}
	return u, nil
}

// UsersByIDs returns the users with these ids.
func (s *Store) UsersByIDs(ctx context.Context, ids []int64) (map[int64]*model.User, error) {
	var us []*model.User
	err := s.db.NewSelect().Model(&us).Where("u.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(us, func(u *model.User) int64 { return u.ID }), err
}

// Users lists users by username.
func (s *Store) Users(ctx context.Context, p model.PageArgs) (*model.Page[*model.User], error) {
	base := func() *bun.SelectQuery { return s.db.NewSelect().Model((*model.User)(nil)) }
	return page(ctx, base, p, userOrder, func(u *model.User) []any { return []any{u.UsernameKey, u.ID} })
}

// SaveUser writes a user's role, disabled flag, password hash and last login.
func (s *Store) SaveUser(ctx context.Context, u *model.User) error {
	_, err := s.db.NewUpdate().Model(u).Column("role", "disabled", "password_hash", "last_login_at").WherePK().Exec(ctx)
	return err
}

// UpdateUser writes what SaveUser does and, unless locationIDs is nil,
// replaces the locations the user is limited to (SetUserLocations), in one
// transaction.
func (s *Store) UpdateUser(ctx context.Context, u *model.User, locationIDs []int64) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model(u).Column("role", "disabled", "password_hash", "last_login_at").WherePK().Exec(ctx)
		if err != nil || locationIDs == nil {
			return err
		}
		return s.SetUserLocations(ctx, tx, u.ID, locationIDs)
	})
}

// CreateToken stores a token (its hash).
func (s *Store) CreateToken(ctx context.Context, t *model.Token) error {
	_, err := s.db.NewInsert().Model(t).Exec(ctx)
	return err
}

// TokenByHash returns the token with this hash and its user, or NOT_FOUND:
// one query per authenticated request.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*model.Token, *model.User, error) {
	var row struct {
		model.Token
		User model.User `bun:"embed:u_"`
	}
	err := s.db.NewSelect().TableExpr("tokens AS t").
		ColumnExpr("t.*").
		ColumnExpr("u.id AS u_id, u.username AS u_username, u.username_key AS u_username_key, u.password_hash AS u_password_hash, u.role AS u_role, u.disabled AS u_disabled, u.created_at AS u_created_at, u.last_login_at AS u_last_login_at").
		Join("JOIN users AS u ON u.id = t.user_id").
		Where("t.hash = ?", hash).Scan(ctx, &row)
	if err != nil {
		return nil, nil, notFound(err, &model.Error{Code: model.CodeNotFound, Message: "no such token"})
	}
	return &row.Token, &row.User, nil
}

// TokenByID returns one token, or NOT_FOUND.
func (s *Store) TokenByID(ctx context.Context, id int64) (*model.Token, error) {
	t := new(model.Token)
	if err := s.db.NewSelect().Model(t).Where("t.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("token", id))
	}
	return t, nil
}

// Tokens lists a user's API tokens, newest first (revoked ones too).
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*model.Token, error) {
	var ts []*model.Token
	err := s.db.NewSelect().Model(&ts).Where("t.user_id = ?", userID).Where("t.kind = ?", model.TokenAPI).
		OrderExpr("t.id DESC").Scan(ctx)
	return ts, err
}

// TouchToken records a use of a token and, for a session, its new expiry.
func (s *Store) TouchToken(ctx context.Context, id int64, usedAt time.Time, expiresAt *time.Time) error {
	q := s.db.NewUpdate().Model((*model.Token)(nil)).Set("last_used_at = ?", usedAt).Where("id = ?", id)
	if expiresAt != nil {
		q = q.Set("expires_at = ?", *expiresAt)
	}
	_, err := q.Exec(ctx)
	return err
}

// RevokeToken revokes a token; false when it was revoked already.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := s.db.NewUpdate().Model((*model.Token)(nil)).Set("revoked_at = ?", at).
		Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RevokeOtherSessions revokes a user's sessions but the one with id keep;
// their API tokens stay.
func (s *Store) RevokeOtherSessions(ctx context.Context, userID, keep int64, at time.Time) error {
	_, err := s.db.NewUpdate().Model((*model.Token)(nil)).Set("revoked_at = ?", at).
		Where("user_id = ?", userID).Where("kind = ?", model.TokenSession).Where("id <> ?", keep).
		Where("revoked_at IS NULL").Exec(ctx)
	return err
}

// RevokeUserTokens revokes every token of a user.
func (s *Store) RevokeUserTokens(ctx context.Context, userID int64, at time.Time) error {
	_, err := s.db.NewUpdate().Model((*model.Token)(nil)).Set("revoked_at = ?", at).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
	return err
}
