package media

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"wms/auth"
	"wms/model"
)

// A link works until its expiry, from TTL/2 to TTL after it was made, and
// then is refused; links made within the same half TTL are one link.
func TestSignedLinkExpires(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	caller := &auth.Caller{User: &model.User{ID: 1, Role: model.RoleViewer},
		Token: &model.Token{ID: 7, Hash: "abc", Role: model.RoleViewer}}
	l := &Links{Key: []byte("0123456789abcdef0123456789abcdef"), TTL: time.Hour, Now: func() time.Time { return now },
		Caller: func(context.Context, int64) (*auth.Caller, error) { return caller, nil }}
	m := &model.Media{ID: 3, Filename: "a b.png"}
	link := l.URL(m, caller)
	if !strings.HasPrefix(link, "/media/3/a%20b.png?") {
		t.Fatalf("link %q", link)
	}
	q := func(link string) url.Values { u, _ := url.Parse(link); return u.Query() }
	now = now.Add(29 * time.Minute)
	if again := l.URL(m, caller); again != link {
		t.Errorf("29 minutes later the link is %q, want the same %q", again, link)
	}
	if _, _, err := l.check(context.Background(), 3, q(link)); err != nil {
		t.Errorf("within its time: %v", err)
	}
	now = now.Add(31 * time.Minute) // an hour after it was made
	if _, _, err := l.check(context.Background(), 3, q(link)); err != errBadLink {
		t.Errorf("expired: %v", err)
	}
	// Another key does not accept it.
	now = now.Add(-time.Minute)
	other := *l
	other.Key = []byte("another key another key another key")
	if _, _, err := other.check(context.Background(), 3, q(link)); err != errBadLink {
		t.Errorf("another key: %v", err)
	}
	// The token's hash is signed: a token with the same id but another
	// secret (another database) does not accept it.
	caller.Token.Hash = "def"
	if _, _, err := l.check(context.Background(), 3, q(link)); err != errBadLink {
		t.Errorf("another token hash: %v", err)
	}
	// Without a caller the URL is the plain one.
	if got := l.URL(m, nil); got != m.URL() {
		t.Errorf("no caller: %q", got)
	}
}
