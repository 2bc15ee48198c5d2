package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"wms/model"
)

// A token's secret is a prefix naming its kind and 32 random bytes; the
// database keeps only its SHA-256, so a leaked table signs nobody in. The
// bytes are random enough that a plain (unsalted, fast) hash is safe here.
const (
	sessionPrefix = "wmss_"
	apiPrefix     = "wmsa_"
	tokenBytes    = 32
)

// newToken returns a new secret of the kind and its hash.
func newToken(kind model.TokenKind) (secret, hash string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b)
	prefix := sessionPrefix
	if kind == model.TokenAPI {
		prefix = apiPrefix
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken is the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
