package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/media"
	"wms/media/s3test"
	"wms/model"
)

// pngOf is a PNG-looking file of n bytes whose content depends on seed.
func pngOf(n int, seed string) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	_, _ = rand.Read(b[8:])
	copy(b[8:], seed)
	return b
}

func download(t *testing.T, svc *media.Service, m *model.Media, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, m.URL(), nil)
	req.SetPathValue("id", fmt.Sprint(m.ID))
	req.SetPathValue("filename", m.Filename)
	for k, v := range header {
		req.Header[k] = v
	}
	viewer := &auth.Caller{User: &model.User{ID: 1, Role: model.RoleViewer}, Token: &model.Token{Role: model.RoleViewer}}
	req = req.WithContext(auth.WithCaller(req.Context(), viewer))
	rec := httptest.NewRecorder()
	svc.Download(rec, req)
	return rec
}

// On a real S3-compatible server: an upload lands under its SHA-256,
// identical bytes share one object, nothing is left under tmp/, downloads
// keep Range and ETag, and the clean-up deletes objects as it deletes files.
func TestS3StoresServesAndCleans(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		bucket := s3test.Store(t)
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		svc := media.NewService(s, bucket, 12<<20, zerolog.Nop())
		svc.Now = func() time.Time { return now }

		// Larger than a part: a real multipart upload.
		photo := pngOf(11<<20+123, "photo")
		a, err := svc.Save(ctx, "a.png", bytes.NewReader(photo))
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Save(ctx, "b.png", bytes.NewReader(photo))
		if err != nil {
			t.Fatal(err)
		}
		small := pngOf(700, "small")
		c, err := svc.Save(ctx, "c.png", bytes.NewReader(small))
		if err != nil {
			t.Fatal(err)
		}
		if a.Key != b.Key || a.Size != int64(len(photo)) || a.Key == c.Key {
			t.Fatalf("keys %s %s %s, size %d", a.Key, b.Key, c.Key, a.Size)
		}
		keys := s3test.Keys(t, bucket)
		slices.Sort(keys)
		want := []string{a.Key, c.Key}
		slices.Sort(want)
		if !slices.Equal(keys, want) {
			t.Fatalf("objects %v, want %v (one per distinct file, nothing staged left)", keys, want)
		}

		rec := download(t, svc, b, nil)
		if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), photo) || rec.Header().Get("ETag") != `"`+a.SHA256+`"` {
			t.Fatalf("download: %d, %d bytes, ETag %s", rec.Code, rec.Body.Len(), rec.Header().Get("ETag"))
		}
		rec = download(t, svc, b, http.Header{"Range": {"bytes=6000000-6000099"}})
		if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), photo[6000000:6000100]) {
			t.Errorf("range: %d, %d bytes", rec.Code, rec.Body.Len())
		}
		rec = download(t, svc, b, http.Header{"If-None-Match": {`"` + a.SHA256 + `"`}})
		if rec.Code != http.StatusNotModified {
			t.Errorf("If-None-Match with the ETag: %d", rec.Code)
		}

		// Too large: refused while streaming, and nothing stays in the bucket.
		_, err = svc.Save(ctx, "big.png", bytes.NewReader(pngOf(13<<20, "big")))
		var ref *media.Refusal
		if !errors.As(err, &ref) || ref.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("oversize upload: %v", err)
		}
		if keys := s3test.Keys(t, bucket); len(keys) != 2 {
			t.Errorf("after a refused upload the bucket holds %v", keys)
		}
		if err := svc.CheckWritable(ctx); err != nil {
			t.Errorf("check: %v", err)
		}

		// A day later, a and c are unused: c goes with its object; a's
		// object stays while b uses it, and goes with b.
		cat, err := s.CreateCategory(ctx, model.CategoryInput{Name: "c"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGoods(ctx, model.GoodsInput{Name: "g", CategoryID: cat.ID, ImageID: &b.ID}); err != nil {
			t.Fatal(err)
		}
		svc.Now = func() time.Time { return now.Add(25 * time.Hour) }
		if n, failed, err := svc.Clean(ctx); n != 2 || failed != 0 || err != nil {
			t.Fatalf("cleaned %d, %d failed, %v; want a and c", n, failed, err)
		}
		if keys := s3test.Keys(t, bucket); !slices.Equal(keys, []string{b.Key}) {
			t.Errorf("after the clean-up the bucket holds %v, want only %s", keys, b.Key)
		}
	})
}

// A bucket that is not there is UNAVAILABLE for uploads and for /readyz,
// not INTERNAL, and the error says nothing of the endpoint.
func TestS3MissingBucketIsUnavailable(t *testing.T) {
	o := s3test.Options(t)
	o.Bucket = "wms-no-such-bucket"
	bucket, err := media.NewS3(o)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		svc := media.NewService(s, bucket, 1<<20, zerolog.Nop())
		ctx := context.Background()
		_, err := svc.Save(ctx, "a.png", bytes.NewReader(pngOf(100, "x")))
		if model.ErrorCode(err) != model.CodeUnavailable || strings.Contains(err.Error(), o.Endpoint) {
			t.Errorf("upload to a missing bucket: %v (code %s)", err, model.ErrorCode(err))
		}
		if err := svc.CheckWritable(ctx); err == nil {
			t.Error("check passes on a missing bucket")
		}
	})
}

func TestS3OptionsAreChecked(t *testing.T) {
	for _, endpoint := range []string{"", "s3.example.com", "ftp://s3.example.com", "http://s3.example.com/prefix"} {
		if _, err := media.NewS3(media.S3Options{Endpoint: endpoint, Bucket: "b"}); err == nil {
			t.Errorf("endpoint %q accepted", endpoint)
		}
	}
	if _, err := media.NewS3(media.S3Options{Endpoint: "https://s3.example.com", Bucket: "b"}); err != nil {
		t.Error(err)
	}
}
