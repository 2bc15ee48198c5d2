package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"wms/model"
)

// Store is what the auth service needs from the database (db.Store).
type Store interface {
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u *model.User) error
	UserByID(ctx context.Context, id int64) (*model.User, error)
	UserByUsername(ctx context.Context, username string) (*model.User, error)
	SaveUser(ctx context.Context, u *model.User) error
	// UpdateUser writes what SaveUser does and, unless locationIDs is nil,
	// replaces the locations the user is limited to, in one transaction.
	UpdateUser(ctx context.Context, u *model.User, locationIDs []int64) error
	CreateToken(ctx context.Context, t *model.Token) error
	TokenByHash(ctx context.Context, hash string) (*model.Token, *model.User, error)
	TouchToken(ctx context.Context, id int64, usedAt time.Time, expiresAt *time.Time) error
	RevokeToken(ctx context.Context, id int64, at time.Time) (bool, error)
	RevokeUserTokens(ctx context.Context, userID int64, at time.Time) error
	RevokeOtherSessions(ctx context.Context, userID, keep int64, at time.Time) error
	TokenByID(ctx context.Context, id int64) (*model.Token, error)
}

// Service signs users in and out and manages users and tokens.
type Service struct {
	Store Store
	// SessionTTL is how long a session lasts after its last use.
	SessionTTL time.Duration
	// Now is the clock; tests may fix it.
	Now func() time.Time
	Log zerolog.Logger
	// Unavailable tells errors that mean the database is away (answered
	// with 503) from other failures (500).
	Unavailable func(error) bool
	// CacheTTL is how long an authenticated token is remembered (see
	// tokenCache); 0 turns the cache off.
	CacheTTL time.Duration

	// Proxies are the reverse proxies whose X-Forwarded-For is believed
	// (WMS_TRUSTED_PROXIES); see TrustedProxies.ClientIP.
	Proxies TrustedProxies

	limiter *limiter
	hasher  *Hasher
	cache   tokenCache
}

// NewService returns a Service over the store.
func NewService(s Store, sessionTTL time.Duration, log zerolog.Logger) *Service {
	return &Service{Store: s, SessionTTL: sessionTTL, Now: time.Now, Log: log, limiter: newLimiter(),
		hasher: NewHasher(hashesAtOnce), CacheTTL: time.Second}
}

// hashesAtOnce bounds how many password hashes a Service runs at once: each
// holds 7 MiB.
const hashesAtOnce = 4

// PasswordHashes is how many argon2id hashes the service has computed: one
// for each login that got as far as checking a password, one for each new
// password.
func (s *Service) PasswordHashes() int64 { return s.hasher.Runs() }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Caller is who is making a request: the user and the token they sent.
type Caller struct {
	User  *model.User
	Token *model.Token
}

// Role is what the caller may do: the token's role.
func (c *Caller) Role() model.Role { return c.Token.Role }

type callerKey struct{}

// WithCaller returns ctx carrying the caller.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return model.WithActor(context.WithValue(ctx, callerKey{}, c), c.User.ID)
}

// CallerFrom returns the caller of the request, or nil for an anonymous one.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

var errSignIn = &model.Error{Code: model.CodeUnauthenticated, Message: "wrong username or password"}

// Login checks a username and password and starts a session. An unknown
// user, a wrong password and a disabled user all get the same answer, in
// about the same time. The limiter may refuse it first, at once, with
// TOO_MANY_ATTEMPTS.
func (s *Service) Login(ctx context.Context, username, password string) (string, *model.User, error) {
	now := s.now()
	place, err := s.limiter.reserve(strings.TrimSpace(username), ClientIP(ctx), now)
	if err != nil {
		// A flood is refused here by the thousand: not worth a line each.
		s.Log.Debug().Str("username", username).Str("ip", ClientIP(ctx)).Err(err).Msg("login refused for now")
		return "", nil, err
	}
	defer place.release()
	u, err := s.Store.UserByUsername(ctx, username)
	if err != nil && model.ErrorCode(err) != model.CodeNotFound {
		return "", nil, err
	}
	hash := dummyHash()
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return "", nil, fmt.Errorf("check password: %w", err)
	}
	if u == nil || !ok || u.Disabled {
		place.fail(s.now())
		s.Log.Info().Str("username", username).Str("ip", ClientIP(ctx)).Msg("login refused")
		return "", nil, errSignIn
	}
	place.succeed()
	secret, hashed := newToken(model.TokenSession)
	exp := now.Add(s.SessionTTL)
	t := &model.Token{UserID: u.ID, Kind: model.TokenSession, Hash: hashed, Role: u.Role, CreatedAt: now, ExpiresAt: &exp}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	u.LastLoginAt = &now
	if err := s.Store.SaveUser(ctx, u); err != nil {
		return "", nil, err
	}
	s.Log.Info().Int64("user", u.ID).Str("username", u.Username).Msg("login")
	return secret, u, nil
}

// Logout revokes the token the caller signed in with.
func (s *Service) Logout(ctx context.Context) error {
	c := CallerFrom(ctx)
	if c == nil {
		return errUnauthenticated
	}
	s.cache.drop(func(k *Caller) bool { return k.Token.ID == c.Token.ID })
	_, err := s.Store.RevokeToken(ctx, c.Token.ID, s.now())
	return err
}

var errUnauthenticated = &model.Error{Code: model.CodeUnauthenticated, Message: "sign in first: send Authorization: Bearer <token>"}

// errBadToken is the answer to a token that is unknown, expired or revoked.
var errBadToken = &model.Error{Code: model.CodeUnauthenticated, Message: "the token is invalid, expired or revoked; sign in again"}

// Authenticate returns the caller a token secret belongs to. A session that
// has used up half its time is extended (sliding expiry), so an active user
// stays signed in and each request does not cost a write.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Caller, error) {
	hash := HashToken(secret)
	now := s.now()
	if c := s.cache.get(hash, now); c != nil {
		return c, nil
	}
	c, err := s.authenticate(ctx, hash, now)
	if err == nil && s.CacheTTL > 0 {
		s.cache.put(hash, c, now.Add(s.CacheTTL))
	}
	return c, err
}

// TokenCaller returns the caller a token belongs to, found by its id rather
// than its secret, checked as Authenticate checks a token: one that is
// unknown, expired or revoked, or whose user is disabled, is refused with
// UNAUTHENTICATED. A signed media URL names its token this way.
func (s *Service) TokenCaller(ctx context.Context, id int64) (*Caller, error) {
	t, err := s.Store.TokenByID(ctx, id)
	if err != nil {
		if model.ErrorCode(err) == model.CodeNotFound {
			return nil, errBadToken
		}
		return nil, err
	}
	now := s.now()
	if c := s.cache.get(t.Hash, now); c != nil {
		return c, nil
	}
	c, err := s.authenticate(ctx, t.Hash, now)
	if err == nil && s.CacheTTL > 0 {
		s.cache.put(t.Hash, c, now.Add(s.CacheTTL))
	}
	return c, err
}

func (s *Service) authenticate(ctx context.Context, hash string, now time.Time) (*Caller, error) {
	t, u, err := s.Store.TokenByHash(ctx, hash)
	if err != nil {
		if model.ErrorCode(err) == model.CodeNotFound {
			return nil, errBadToken
		}
		return nil, err
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) || u.Disabled {
		return nil, errBadToken
	}
	if t.Kind == model.TokenSession {
		// A session follows its user's role as it is now.
		t.Role = u.Role
		if t.ExpiresAt != nil && t.ExpiresAt.Sub(now) < s.SessionTTL/2 {
			exp := now.Add(s.SessionTTL)
			if err := s.Store.TouchToken(ctx, t.ID, now, &exp); err != nil {
				return nil, err
			}
			t.ExpiresAt = &exp
		}
	} else if !u.Role.Allows(t.Role) {
		// An API token never does more than its user may do now.
		t.Role = u.Role
	}
	return &Caller{User: u, Token: t}, nil
}

// Middleware reads Authorization: Bearer <token> and puts the caller in the
// request context. A request without the header goes on anonymously; a bad
// token is refused with 401, so a client with an expired session learns it
// at once rather than as a FORBIDDEN further on. It also puts the client's
// address in the context (see ClientIP and Proxies).
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := WithClientIP(r.Context(), s.Proxies.ClientIP(r))
		h := r.Header.Get("Authorization")
		if h != "" {
			scheme, secret, _ := strings.Cut(h, " ")
			secret = strings.TrimSpace(secret)
			if !strings.EqualFold(scheme, "Bearer") || secret == "" {
				unauthorized(w, "send Authorization: Bearer <token>")
				return
			}
			c, err := s.Authenticate(ctx, secret)
			if err != nil {
				var me *model.Error
				if errors.As(err, &me) {
					unauthorized(w, me.Message)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				if s.Unavailable != nil && s.Unavailable(err) || errors.Is(err, context.DeadlineExceeded) {
					s.Log.Warn().Err(err).Msg("authenticate: database unavailable")
					w.Header().Set("Retry-After", "2")
					w.WriteHeader(http.StatusServiceUnavailable)
					fmt.Fprint(w, `{"errors":[{"message":"the database is unavailable; try again shortly","extensions":{"code":"UNAVAILABLE"}}]}`)
					return
				}
				s.Log.Error().Err(err).Msg("authenticate")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
				return
			}
			ctx = WithCaller(ctx, c)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer realm="wms"`)
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"errors":[{"message":%q,"extensions":{"code":"UNAUTHENTICATED"}}]}`, msg)
}

// Require checks the caller may do what needs role: UNAUTHENTICATED without
// a caller, FORBIDDEN with too small a role.
func Require(ctx context.Context, role model.Role) (*Caller, error) {
	c := CallerFrom(ctx)
	if c == nil {
		return nil, errUnauthenticated
	}
	if !c.Role().Allows(role) {
		return nil, &model.Error{Code: model.CodeForbidden,
			Message: fmt.Sprintf("this needs the %s role; you have %s", role, c.Role())}
	}
	return c, nil
}

// tokenCache remembers recently authenticated tokens for a moment (CacheTTL,
// a second by default), so that a client sending many requests does not cost
// a token lookup for each. Logout, revocation, disabling a user and a new
// password drop the entries they concern at once in this process; done
// through another replica, they take effect here within CacheTTL.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedCaller
}

type cachedCaller struct {
	c     *Caller
	until time.Time
}

// tokenCacheMax bounds the cache; when full it starts afresh.
const tokenCacheMax = 10_000

func (tc *tokenCache) get(hash string, now time.Time) *Caller {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e, ok := tc.m[hash]
	if !ok || !now.Before(e.until) || (e.c.Token.ExpiresAt != nil && !now.Before(*e.c.Token.ExpiresAt)) {
		return nil
	}
	return e.c
}

func (tc *tokenCache) put(hash string, c *Caller, until time.Time) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.m == nil || len(tc.m) >= tokenCacheMax {
		tc.m = map[string]cachedCaller{}
	}
	tc.m[hash] = cachedCaller{c: c, until: until}
}

// drop forgets the entries that match.
func (tc *tokenCache) drop(match func(*Caller) bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for k, e := range tc.m {
		if match(e.c) {
			delete(tc.m, k)
		}
	}
}
