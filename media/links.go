package media

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"time"

	"wms/auth"
	"wms/model"
)

// Links makes and checks signed media URLs: /media/{id}/{name}?t=…&exp=…&sig=…
// works without an Authorization header, so a browser can put it in an
// <img src> or a link. The signature is an HMAC-SHA256, under Key, of the
// media's id, the expiry and the token of the caller it was made for (its id
// and its stored hash); a download by it is served as that token's caller,
// checked as the token itself is: once the token is revoked or expires, or
// its user is disabled, its links stop working at once, and every link stops
// at its expiry, at most TTL after it was made. An expired or altered link
// is 403.
type Links struct {
	// Key signs the links; every replica must have the same.
	Key []byte
	// TTL is how long a link works.
	TTL time.Duration
	Now func() time.Time
	// Caller returns who holds the token with the id (auth.Service.TokenCaller).
	Caller func(ctx context.Context, tokenID int64) (*auth.Caller, error)
}

// URL is m's download URL for caller, signed; without a caller (or Links),
// the plain URL, which needs an Authorization header.
func (l *Links) URL(m *model.Media, caller *auth.Caller) string {
	if l == nil || caller == nil || caller.Token == nil {
		return m.URL()
	}
	// Links made within the same half TTL are the same link, so a browser's
	// cache keeps one image across queries; each works for TTL/2 to TTL.
	step := max(int64(l.TTL/time.Second)/2, 1)
	exp := l.Now().Unix()/step*step + int64(l.TTL/time.Second)
	q := url.Values{}
	q.Set("t", strconv.FormatInt(caller.Token.ID, 10))
	q.Set("exp", strconv.FormatInt(exp, 10))
	q.Set("sig", l.sign(m.ID, exp, caller.Token))
	return m.URL() + "?" + q.Encode()
}

func (l *Links) sign(mediaID, exp int64, t *model.Token) string {
	mac := hmac.New(sha256.New, l.Key)
	mac.Write([]byte("wms media v1\n" + strconv.FormatInt(mediaID, 10) + "\n" + strconv.FormatInt(exp, 10) + "\n" +
		strconv.FormatInt(t.ID, 10) + "\n" + t.Hash))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// errBadLink refuses a link that is expired, altered or whose token no
// longer works.
var errBadLink = &model.Error{Code: model.CodeForbidden,
	Message: "this media link has expired or is not valid: ask for the media's url again"}

// check returns the caller a signed link for media id was made for, and
// until when it works; errBadLink when it does not work.
func (l *Links) check(ctx context.Context, id int64, q url.Values) (*auth.Caller, time.Time, error) {
	tokenID, err1 := strconv.ParseInt(q.Get("t"), 10, 64)
	exp, err2 := strconv.ParseInt(q.Get("exp"), 10, 64)
	sig, err3 := base64.RawURLEncoding.DecodeString(q.Get("sig"))
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, time.Time{}, errBadLink
	}
	until := time.Unix(exp, 0)
	now := l.Now()
	if !now.Before(until) || until.Sub(now) > l.TTL {
		return nil, time.Time{}, errBadLink
	}
	c, err := l.Caller(ctx, tokenID)
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return nil, time.Time{}, errBadLink
		}
		return nil, time.Time{}, err
	}
	want, _ := base64.RawURLEncoding.DecodeString(l.sign(id, exp, c.Token))
	if !hmac.Equal(sig, want) {
		return nil, time.Time{}, errBadLink
	}
	return c, until, nil
}
