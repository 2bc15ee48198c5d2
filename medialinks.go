package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"wms/auth"
	"wms/db"
	"wms/media"
)

// mediaKeySetting names the stored media signing key.
const mediaKeySetting = "media_signing_key"

// mediaLinks signs media URLs with WMS_MEDIA_SIGNING_KEY, or when that is
// unset with a random key made on first start and kept in the database, so
// that every replica signs and checks alike.
func mediaLinks(ctx context.Context, cfg Config, store *db.Store, users *auth.Service, now func() time.Time) (*media.Links, error) {
	key := cfg.MediaSigningKey
	if key == "" {
		var err error
		key, err = store.Setting(ctx, mediaKeySetting, func() (string, error) {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return "", err
			}
			return base64.RawURLEncoding.EncodeToString(b), nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &media.Links{Key: []byte(key), TTL: cfg.MediaURLTTL, Now: now, Caller: users.TokenCaller}, nil
}
