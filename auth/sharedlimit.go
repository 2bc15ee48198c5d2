package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"wms/model"
)

// FailureStore keeps the failed-login counts where every replica sees them
// (db.Store). Keys are opaque: a SHA-256 of the limiter's key, so no
// username or address is stored.
type FailureStore interface {
	LoginFailures(ctx context.Context, keys []string, now time.Time) (map[string]model.LoginFailures, error)
	RecordLoginFailure(ctx context.Context, keys []string, now time.Time) error
	ClearLoginFailures(ctx context.Context, key string) error
}

func storedKey(limitKey string) string {
	sum := sha256.Sum256([]byte(limitKey))
	return hex.EncodeToString(sum[:])
}

// sharedTimeout bounds each call to the FailureStore: the login limit must
// not hang a login while the database is slow.
const sharedTimeout = 2 * time.Second

// adoptShared loads the failures recorded for username at address by any
// replica into the limiter. When they cannot be read the limiter keeps what
// this process knows, and the login goes on (it needs the database anyway).
func (s *Service) adoptShared(ctx context.Context, username, address string, now time.Time) {
	if s.Failures == nil {
		return
	}
	userKey, addrKey := limitKeys(username, address)
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	got, err := s.Failures.LoginFailures(ctx, []string{storedKey(userKey), storedKey(addrKey)}, now)
	if err != nil {
		s.Log.Warn().Err(err).Msg("read the shared login failures; using this server's own")
		return
	}
	s.limiter.adopt(userKey, got[storedKey(userKey)], userFreeFailures, now)
	s.limiter.adopt(addrKey, got[storedKey(addrKey)], addressFreeFailures, now)
}

// recordShared writes a failure, or a success's clearing, for the other
// replicas to see. It outlives a client that hung up.
func (s *Service) recordShared(ctx context.Context, username, address string, failed bool, now time.Time) {
	if s.Failures == nil {
		return
	}
	userKey, addrKey := limitKeys(username, address)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
	defer cancel()
	var err error
	if failed {
		err = s.Failures.RecordLoginFailure(ctx, []string{storedKey(userKey), storedKey(addrKey)}, now)
	} else {
		err = s.Failures.ClearLoginFailures(ctx, storedKey(userKey))
	}
	if err != nil {
		s.Log.Error().Err(err).Bool("failed", failed).Msg("write the shared login failures")
	}
}
