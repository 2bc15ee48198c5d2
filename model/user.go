package model

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Role is what a user may do. Roles are ordered: each may do everything the
// ones below it may.
type Role string

// Roles, from most to least allowed.
const (
	RoleAdmin  Role = "ADMIN"  // everything, users and their tokens included
	RoleClerk  Role = "CLERK"  // goods, categories, stock in and out, uploads, exports
	RoleViewer Role = "VIEWER" // read only
)

// Rank orders roles: a higher rank may do what a lower one may. An unknown
// role has rank 0 and may do nothing.
func (r Role) Rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleClerk:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// Valid reports a known role.
func (r Role) Valid() bool { return r.Rank() > 0 }

// Allows reports whether r may do what needs role.
func (r Role) Allows(need Role) bool { return r.Rank() >= need.Rank() && r.Valid() }

// User is someone who may sign in. PasswordHash is an argon2id hash, never
// shown anywhere.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID           int64      `bun:"id,pk,autoincrement"`
	Username     string     `bun:"username,notnull"`
	UsernameKey  string     `bun:"username_key,notnull"`
	PasswordHash string     `bun:"password_hash,notnull" json:"-"`
	Role         Role       `bun:"role,notnull"`
	Disabled     bool       `bun:"disabled,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	LastLoginAt  *time.Time `bun:"last_login_at"`
}

// Limits on users.
const (
	UsernameMax    = 50
	PasswordMin    = 8
	PasswordMax    = 256
	TokenNameMax   = 100
	TokenNameMin   = 1
	MaxTokenExpiry = 5 * 365 * 24 * time.Hour
)

// Username checks a username: 1–50 characters of one line.
func Username(name string) (string, error) { return Text("username", name, 1, UsernameMax) }

// CheckPassword checks the length of a new password.
func CheckPassword(field, pw string) error {
	n := len([]rune(pw))
	switch {
	case n < PasswordMin:
		return Invalid(field, "a password needs at least %d characters", PasswordMin)
	case n > PasswordMax:
		return Invalid(field, "a password has at most %d characters", PasswordMax)
	}
	return nil
}

// TokenKind tells a session token from an API token.
type TokenKind string

// Token kinds.
const (
	TokenSession TokenKind = "SESSION" // from login, sliding expiry, revoked by logout
	TokenAPI     TokenKind = "API"     // for scripts, named, fixed expiry
)

// Token is a bearer token. Only the SHA-256 of its secret is stored; the
// secret is shown once, when the token is made.
type Token struct {
	bun.BaseModel `bun:"table:tokens,alias:t"`

	ID     int64     `bun:"id,pk,autoincrement"`
	UserID int64     `bun:"user_id,notnull"`
	Kind   TokenKind `bun:"kind,notnull"`
	// Name says what an API token is for ("nightly export").
	Name *string `bun:"name"`
	Hash string  `bun:"hash,notnull" json:"-"`
	// Role is what the token may do: the user's role for a session, at most
	// that for an API token.
	Role       Role       `bun:"role,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	ExpiresAt  *time.Time `bun:"expires_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// UserInput is what createUser takes.
type UserInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     Role   `json:"role"`
}

// UserUpdate is what updateUser takes; fields left nil stay.
type UserUpdate struct {
	ID       int64   `json:"id"`
	Role     *Role   `json:"role"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
	// LocationIDs limits the user to these locations for writing documents;
	// empty lifts the limit, nil leaves it.
	LocationIDs []int64 `json:"locationIds"`
}

// APITokenInput is what createApiToken takes.
type APITokenInput struct {
	Name      string     `json:"name"`
	Role      *Role      `json:"role"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

type actorKey struct{}

// WithActor returns ctx saying which user is acting, for the records that
// keep who did what (createdBy).
func WithActor(ctx context.Context, userID int64) context.Context {
	return context.WithValue(ctx, actorKey{}, userID)
}

// ActorFrom returns the acting user's id, or nil.
func ActorFrom(ctx context.Context) *int64 {
	if id, ok := ctx.Value(actorKey{}).(int64); ok {
		return &id
	}
	return nil
}

// LoginFailWindow is how long a failed login counts against the next tries.
const LoginFailWindow = 15 * time.Minute

// LoginFailures is what is recorded of the failed logins under one limit
// key (a username at an address, or an address): how many, and the last.
type LoginFailures struct {
	Count int
	Last  time.Time
}
