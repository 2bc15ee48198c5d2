package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// A media URL is signed for the caller who asked for it and works without
// an Authorization header (as an <img src> is fetched); the unsigned path
// still works with the header; a link altered in any part is 403, and so is
// one whose token was revoked. Replicas on one database agree on the key.
func TestSignedMediaURLs(t *testing.T) {
	dir := t.TempDir()
	settings := map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "wms.db"), "WMS_MEDIA_DIR": filepath.Join(dir, "media")}
	m, base, _ := startMain(t, settings)
	waitReady(t, m, 5e9)
	token := loginToken(t, base)
	img := pngBytes(t)
	code, up, raw := upload(t, base, token, "photo.png", bytes.NewReader(img))
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, raw)
	}
	// The URL the API gives, as a goods image.
	var out struct {
		Data struct{ Media struct{ URL string } }
	}
	body := gql(t, base, token, `{ media(id: "`+up.ID+`") { url } }`)
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Data.Media.URL == "" {
		t.Fatalf("media: %s", body)
	}
	link := out.Data.Media.URL
	u, _ := url.Parse(link)
	if u.Path != "/media/"+up.ID+"/photo.png" || u.Query().Get("sig") == "" || u.Query().Get("exp") == "" || u.Query().Get("t") == "" {
		t.Fatalf("url %q is not a signed URL", link)
	}
	if !strings.Contains(up.URL, "sig=") {
		t.Errorf("/upload answered an unsigned url %q", up.URL)
	}
	res, got := download(t, base+link, "", nil)
	if res.StatusCode != http.StatusOK || !bytes.Equal(got, img) || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("signed download without a token: %d %s", res.StatusCode, got)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || strings.Contains(cc, "31536000") {
		t.Errorf("a signed download is cached as %q: no longer than the link works", cc)
	}
	if res, _ := download(t, base+u.Path, token, nil); res.StatusCode != http.StatusOK {
		t.Errorf("unsigned download with a token: %d", res.StatusCode)
	}
	if res, _ := download(t, base+u.Path, "", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned download without a token: %d", res.StatusCode)
	}

	// A second replica on the same database signs with the same key.
	settings2 := map[string]string{}
	for k, v := range settings {
		settings2[k] = v
	}
	m2, base2, _ := startMain(t, settings2)
	waitReady(t, m2, 5e9)
	if res, _ := download(t, base2+link, "", nil); res.StatusCode != http.StatusOK {
		t.Errorf("the link on another replica: %d", res.StatusCode)
	}

	altered := func(key, value string) string {
		q := u.Query()
		q.Set(key, value)
		return u.Path + "?" + q.Encode()
	}
	q := u.Query()
	for name, bad := range map[string]string{
		"another media":          "/media/999/photo.png?" + u.RawQuery,
		"a later expiry":         altered("exp", q.Get("exp")+"0"),
		"an earlier expiry":      altered("exp", "1000000000"),
		"another token":          altered("t", "1"+q.Get("t")),
		"an altered signature":   altered("sig", flipFirst(q.Get("sig"))),
		"a signature not base64": altered("sig", "!!"),
		"no expiry":              strings.Replace(link, "exp=", "x=", 1),
	} {
		res, body := download(t, base+bad, "", nil)
		var e struct {
			Errors []struct{ Extensions struct{ Code string } }
		}
		_ = json.Unmarshal(body, &e)
		if res.StatusCode != http.StatusForbidden || len(e.Errors) != 1 || e.Errors[0].Extensions.Code != "FORBIDDEN" {
			t.Errorf("%s: %d %s, want 403 FORBIDDEN", name, res.StatusCode, body)
		}
	}

	// Signing out ends the session's links.
	gql(t, base, token, `mutation { logout }`)
	if res, _ := download(t, base+link, "", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a link of a revoked session: %d", res.StatusCode)
	}
}

// loginToken signs in as the first admin of startMain.
func loginToken(t *testing.T, base string) string {
	t.Helper()
	code, body := postQuery(t, base, `mutation { login(username: "admin", password: "startup-password") { token } }`)
	var out struct {
		Data struct{ Login struct{ Token string } }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || code != 200 || out.Data.Login.Token == "" {
		t.Fatalf("login: %d %s", code, body)
	}
	return out.Data.Login.Token
}

// gql posts a query with a token and answers the body.
func gql(t *testing.T, base, token, query string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	return buf.String()
}

// flipFirst changes the first character of a base64 text to another one,
// which always changes the first decoded byte (a change near the end may
// fall in padding bits).
func flipFirst(s string) string {
	if s == "" {
		return "A"
	}
	c := byte('A')
	if s[0] == 'A' {
		c = 'B'
	}
	return string(c) + s[1:]
}
