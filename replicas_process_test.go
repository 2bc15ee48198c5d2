package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"wms/db/dbtest"
	"wms/media/s3test"
)

// Two server processes share one MariaDB database and one S3 bucket, as two
// replicas behind a load balancer: nothing either keeps in its own memory
// matters. An image uploaded through one is served by the other,
// byte-identical (also by its signed URL); five failed logins spread over
// both lock the sixth try on either.
func TestTwoReplicasShareMediaAndTheLoginLimit(t *testing.T) {
	dsn := dbtest.FreshMySQL(t)
	o := s3test.Options(t)
	bin := procBinary(t)
	env := []string{"WMS_DB=mysql", "WMS_MYSQL_DSN=" + dsn, "WMS_ADMIN_PASSWORD=" + procPassword,
		"WMS_MEDIA_STORE=s3", "WMS_S3_ENDPOINT=" + o.Endpoint, "WMS_S3_BUCKET=" + o.Bucket,
		"WMS_S3_ACCESS_KEY=" + o.AccessKey, "WMS_S3_SECRET_KEY=" + o.SecretKey, "WMS_MAX_UPLOAD_BYTES=" + "8388608"}
	servers := []string{procStart(t, bin, env...), procStart(t, bin, env...)}
	token := procLogin(t, servers[0])

	// A 3 MiB "photo": PNG magic, random bytes.
	photo := make([]byte, 3<<20)
	_, _ = rand.Read(photo)
	copy(photo, "\x89PNG\r\n\x1a\n")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", "土豆.png")
	_, _ = part.Write(photo)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, servers[0]+"/upload", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ ID, URL, SHA256 string }
	_ = json.NewDecoder(res.Body).Decode(&m)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || m.ID == "" {
		t.Fatalf("upload through replica 1: %d %+v", res.StatusCode, m)
	}
	fetch := func(url, token string) (int, []byte, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b, res.Header.Get("ETag")
	}
	// The signed URL, opened on the other replica without a token.
	code, got, etag := fetch(servers[1]+m.URL, "")
	if code != http.StatusOK || !bytes.Equal(got, photo) || etag != `"`+m.SHA256+`"` {
		t.Fatalf("replica 2 served %d, %d bytes (identical: %v), ETag %s", code, len(got), bytes.Equal(got, photo), etag)
	}
	if code, _, _ := fetch(servers[1]+"/readyz", ""); code != http.StatusOK {
		t.Errorf("replica 2 /readyz with S3: %d", code)
	}

	ctx := context.Background()
	login := func(base, password string) (string, error) {
		a, err := procQuery(ctx, base, "", `mutation($p: String!) { login(username: "admin", password: $p) { token } }`,
			map[string]any{"p": password})
		if err != nil {
			return "", err
		}
		if len(a.Errors) == 0 {
			return "", nil
		}
		c, _ := a.Errors[0].Extensions["code"].(string)
		return c, nil
	}
	for i := range 5 {
		if code, err := login(servers[i%2], "wrong-password"); err != nil || code != "UNAUTHENTICATED" {
			t.Fatalf("failure %d on replica %d: %q %v", i+1, i%2+1, code, err)
		}
	}
	for i, base := range servers {
		if code, err := login(base, procPassword); err != nil || code != "TOO_MANY_ATTEMPTS" {
			t.Errorf("sixth try, with the right password, on replica %d: %q %v; want TOO_MANY_ATTEMPTS", i+1, code, err)
		}
	}
}
