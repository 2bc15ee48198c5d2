package auth

import (
	"context"
	"fmt"

	"wms/model"
)

// CreateUser adds a user with a new password.
func (s *Service) CreateUser(ctx context.Context, in model.UserInput) (*model.User, error) {
	name, err := model.Username(in.Username)
	if err != nil {
		return nil, err
	}
	if !in.Role.Valid() {
		return nil, model.Invalid("role", "unknown role %q", in.Role)
	}
	if err := model.CheckPassword("password", in.Password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u := &model.User{Username: name, UsernameKey: model.Fold(name), PasswordHash: hash, Role: in.Role, CreatedAt: s.now()}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.Log.Info().Int64("user", u.ID).Str("username", u.Username).Str("role", string(u.Role)).Msg("user created")
	return u, nil
}

// UpdateUser changes a user's role, disabled flag or password. Disabling a
// user or changing their password ends all their sessions and API tokens.
func (s *Service) UpdateUser(ctx context.Context, in model.UserUpdate) (*model.User, error) {
	u, err := s.Store.UserByID(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	revoke := false
	if in.Role != nil {
		if !in.Role.Valid() {
			return nil, model.Invalid("role", "unknown role %q", *in.Role)
		}
		u.Role = *in.Role
	}
	if in.Disabled != nil {
		revoke = revoke || (*in.Disabled && !u.Disabled)
		u.Disabled = *in.Disabled
	}
	if in.Password != nil {
		if err := model.CheckPassword("password", *in.Password); err != nil {
			return nil, err
		}
		if u.PasswordHash, err = s.hasher.Hash(ctx, *in.Password); err != nil {
			return nil, err
		}
		revoke = true
	}
	if err := s.Store.UpdateUser(ctx, u, in.LocationIDs); err != nil {
		return nil, err
	}
	// A role, a disabled flag or a password changed: cached callers of this
	// user are stale.
	s.cache.drop(func(c *Caller) bool { return c.User.ID == u.ID })
	if revoke {
		if err := s.Store.RevokeUserTokens(ctx, u.ID, s.now()); err != nil {
			return nil, err
		}
	}
	s.Log.Info().Int64("user", u.ID).Str("role", string(u.Role)).Bool("disabled", u.Disabled).
		Bool("passwordChanged", in.Password != nil).Msg("user updated")
	return u, nil
}

// errWrongPassword refuses a password change whose current password is
// wrong: BAD_USER_INPUT on "current", not UNAUTHENTICATED, since the caller's
// token is good.
var errWrongPassword = model.Invalid("current", "the current password is wrong")

// ChangePassword sets the caller's own password, given their current one,
// and ends their other sessions; the session (or API token) the request
// came with, and their API tokens, keep working. A wrong current password
// counts as a failed login (the same limits, TOO_MANY_ATTEMPTS).
func (s *Service) ChangePassword(ctx context.Context, current, password string) error {
	c := CallerFrom(ctx)
	if c == nil {
		return errUnauthenticated
	}
	if err := model.CheckPassword("new", password); err != nil {
		return err
	}
	u, err := s.Store.UserByID(ctx, c.User.ID)
	if err != nil {
		return err
	}
	place, err := s.limiter.reserve(u.Username, ClientIP(ctx), s.now())
	if err != nil {
		return err
	}
	defer place.release()
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	if !ok {
		place.fail(s.now())
		s.Log.Info().Int64("user", u.ID).Str("ip", ClientIP(ctx)).Msg("password change refused: wrong current password")
		return errWrongPassword
	}
	place.succeed()
	if u.PasswordHash, err = s.hasher.Hash(ctx, password); err != nil {
		return err
	}
	if err := s.Store.SaveUser(ctx, u); err != nil {
		return err
	}
	if err := s.Store.RevokeOtherSessions(ctx, u.ID, c.Token.ID, s.now()); err != nil {
		return err
	}
	s.cache.drop(func(k *Caller) bool { return k.User.ID == u.ID && k.Token.ID != c.Token.ID })
	s.Log.Info().Int64("user", u.ID).Str("username", u.Username).Msg("password changed by its user")
	return nil
}

// SetPassword gives a user, found by name, a new password (for the
// operator's `wms user passwd`).
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	u, err := s.Store.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	_, err = s.UpdateUser(ctx, model.UserUpdate{ID: u.ID, Password: &password})
	return err
}

// Disable disables a user, found by name, and ends their tokens.
func (s *Service) Disable(ctx context.Context, username string, disabled bool) error {
	u, err := s.Store.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	_, err = s.UpdateUser(ctx, model.UserUpdate{ID: u.ID, Disabled: &disabled})
	return err
}

// CreateAPIToken makes a named token for scripts, for the caller, with at
// most the caller's role. The secret is returned once and never again.
func (s *Service) CreateAPIToken(ctx context.Context, in model.APITokenInput) (string, *model.Token, error) {
	c, err := Require(ctx, model.RoleViewer)
	if err != nil {
		return "", nil, err
	}
	name, err := model.Text("name", in.Name, model.TokenNameMin, model.TokenNameMax)
	if err != nil {
		return "", nil, err
	}
	role := c.Role()
	if in.Role != nil {
		if !in.Role.Valid() {
			return "", nil, model.Invalid("role", "unknown role %q", *in.Role)
		}
		if !c.Role().Allows(*in.Role) {
			return "", nil, &model.Error{Code: model.CodeForbidden, Field: "role",
				Message: fmt.Sprintf("a token cannot have more than your role (%s)", c.Role())}
		}
		role = *in.Role
	}
	now := s.now()
	if in.ExpiresAt != nil {
		exp, err := model.TokenExpiry(*in.ExpiresAt, now)
		if err != nil {
			return "", nil, err
		}
		in.ExpiresAt = &exp
	}
	secret, hash := newToken(model.TokenAPI)
	t := &model.Token{UserID: c.User.ID, Kind: model.TokenAPI, Name: &name, Hash: hash, Role: role, CreatedAt: now, ExpiresAt: in.ExpiresAt}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	s.Log.Info().Int64("user", c.User.ID).Int64("token", t.ID).Str("role", string(role)).Msg("API token created")
	return secret, t, nil
}

// RevokeToken revokes one of the caller's tokens; an ADMIN may revoke
// anyone's. Someone else's token is NOT_FOUND to a non-admin.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	c, err := Require(ctx, model.RoleViewer)
	if err != nil {
		return err
	}
	t, err := s.Store.TokenByID(ctx, id)
	if err != nil {
		return err
	}
	if t.UserID != c.User.ID && !c.Role().Allows(model.RoleAdmin) {
		return model.NotFound("token", id)
	}
	s.cache.drop(func(c *Caller) bool { return c.Token.ID == id })
	_, err = s.Store.RevokeToken(ctx, id, s.now())
	return err
}

// Bootstrap creates the first ADMIN when there are no users: with password,
// or with a random one that is returned (for the log, once). created is false
// when users exist already.
func (s *Service) Bootstrap(ctx context.Context, username, password string) (created bool, generated string, err error) {
	n, err := s.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	if password == "" {
		password = RandomPassword()
		generated = password
	}
	_, err = s.CreateUser(ctx, model.UserInput{Username: username, Password: password, Role: model.RoleAdmin})
	if model.ErrorCode(err) == model.CodeConflict {
		// Another replica created it first.
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("create the first admin: %w", err)
	}
	return true, generated, nil
}
