package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"wms/model"
)

func TestPasswordHashing(t *testing.T) {
	ctx := context.Background()
	hasher := NewHasher(1)
	h, err := hasher.Hash(ctx, "sesame-open")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=7168,t=5,p=1$") || strings.Contains(h, "sesame") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := hasher.Hash(ctx, "sesame-open")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"sesame-open": true, "sesame-opem": false, "": false} {
		if ok, err := hasher.Verify(ctx, h, pw); ok != want || err != nil {
			t.Errorf("verify %q: %v %v", pw, ok, err)
		}
	}
	if _, err := hasher.Verify(ctx, "plain", "plain"); err == nil {
		t.Error("a non-argon2 hash verified")
	}
	if n := hasher.Runs(); n != 2+3 {
		t.Errorf("%d hashes counted, want 5 (two new, three checks; a malformed hash is not hashed)", n)
	}
	if ok, err := hasher.Verify(ctx, dummyHash(), "no such user, no such password"); !ok || err != nil {
		t.Errorf("the stand-in hash for unknown users does not check: %v %v", ok, err)
	}
	if !strings.HasPrefix(dummyHash(), "$argon2id$v=19$m=7168,t=5,p=1$") {
		t.Errorf("the stand-in hash %q has other parameters than real ones: unknown users would answer faster", dummyHash())
	}
}

func TestTokensAreStoredAsHashes(t *testing.T) {
	s, h := newToken("SESSION")
	if !strings.HasPrefix(s, sessionPrefix) || len(s) < 40 || h != HashToken(s) || strings.Contains(h, s[len(sessionPrefix):]) {
		t.Errorf("secret %q hash %q", s, h)
	}
	if s2, _ := newToken("SESSION"); s2 == s {
		t.Error("two tokens are equal")
	}
}

func TestTokenCache(t *testing.T) {
	var tc tokenCache
	now := time.Unix(1_000_000, 0)
	exp := now.Add(time.Hour)
	c := &Caller{User: &model.User{ID: 7}, Token: &model.Token{ID: 3, ExpiresAt: &exp}}
	tc.put("h", c, now.Add(time.Second))
	if tc.get("h", now.Add(500*time.Millisecond)) != c {
		t.Error("not remembered within the TTL")
	}
	if tc.get("h", now.Add(time.Second)) != nil {
		t.Error("remembered past the TTL")
	}
	tc.put("h", c, now.Add(2*time.Hour))
	if tc.get("h", exp) != nil {
		t.Error("remembered past the token's own expiry")
	}
	tc.put("h", c, now.Add(time.Second))
	tc.drop(func(k *Caller) bool { return k.User.ID == 7 })
	if tc.get("h", now) != nil {
		t.Error("still there after drop")
	}
}
