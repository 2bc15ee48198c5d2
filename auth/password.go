// Package auth signs users in: password hashing, bearer tokens (stored only
// as hashes), a limit on failed logins, and the HTTP middleware that puts the
// caller in the request context.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with argon2id at one of the parameter sets OWASP
// recommends for it (7 MiB, 5 passes, 1 lane: as strong as 19 MiB with 2
// passes, with less memory held by a small server after each login), in the
// PHC string format, so the parameters can be raised later and old hashes
// still check.
const (
	argonMemory  = 7 * 1024
	argonTime    = 5
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Hasher computes argon2id hashes, at most a few at a time (each holds
// 7 MiB while it runs), and counts them. Callers beyond that wait their turn,
// or until their context ends; the login limits (see limiter) keep how many
// logins may wait small, and new passwords (createUser, `wms user passwd`)
// are never refused here.
type Hasher struct {
	slots chan struct{}
	runs  atomic.Int64
}

// NewHasher returns a Hasher that runs at most n hashes at once.
func NewHasher(n int) *Hasher { return &Hasher{slots: make(chan struct{}, max(n, 1))} }

// Runs is how many hashes the Hasher has computed: one per password check
// and one per new password.
func (h *Hasher) Runs() int64 { return h.runs.Load() }

func (h *Hasher) argon(ctx context.Context, pw string, salt []byte, t, m uint32, p uint8, n uint32) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	h.runs.Add(1)
	return argon2.IDKey([]byte(pw), salt, t, m, p, n), nil
}

// Hash returns the argon2id hash of pw in PHC format.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := h.argon(ctx, pw, salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	return phc(salt, key), nil
}

func phc(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadHash = errors.New("auth: not an argon2id hash")

// Verify reports whether pw matches the hash, in constant time.
func (h *Hasher) Verify(ctx context.Context, hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errBadHash
	}
	got, err := h.argon(ctx, pw, salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a username does not exist, so that an
// unknown user takes as long to refuse as a wrong password.
// It is made once per process, outside any Hasher's count.
var dummyHash = sync.OnceValue(func() string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt)
	return phc(salt, argon2.IDKey([]byte("no such user, no such password"), salt, argonTime, argonMemory, argonThreads, argonKeyLen))
})

// RandomPassword returns a password of 20 random URL-safe characters.
func RandomPassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
