package media_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/media"
	"wms/model"
)

// fullFolder is a Folder on a disk with no room left: every write fails as
// the file system says so.
type fullFolder struct{ media.Folder }

func (f fullFolder) Stage(context.Context, io.Reader) (*media.Staged, error) {
	return nil, &fs.PathError{Op: "write", Path: filepath.Join(f.Dir, "tmp", "upload-1"), Err: syscall.ENOSPC}
}

func (f fullFolder) Check(context.Context) error {
	return &fs.PathError{Op: "write", Path: filepath.Join(f.Dir, "tmp", "check-1"), Err: syscall.ENOSPC}
}

// A full disk is UNAVAILABLE (try again later), never INTERNAL, and says
// nothing of the server's paths; /upload answers 503.
func TestAFullStoreAnswersUnavailable(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		svc := media.NewService(s, fullFolder{media.Folder{Dir: dir}}, 1<<20, zerolog.Nop())
		png := "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100)
		_, err := svc.Save(ctx, "a.png", strings.NewReader(png))
		if model.ErrorCode(err) != model.CodeUnavailable {
			t.Errorf("upload to a full disk: %v (code %s)", err, model.ErrorCode(err))
		}
		_, err = svc.SaveGenerated(ctx, "r.csv", "text/csv", strings.NewReader("a\n"), time.Now().Add(time.Hour))
		if model.ErrorCode(err) != model.CodeUnavailable {
			t.Errorf("report to a full disk: %v (code %s)", err, model.ErrorCode(err))
		}
		if err == nil || strings.Contains(err.Error(), dir) {
			t.Errorf("the error names the folder: %v", err)
		}
		if err := svc.CheckWritable(context.Background()); err == nil {
			t.Error("CheckWritable passes on a full disk")
		}

		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		part, _ := w.CreateFormFile("file", "a.png")
		_, _ = io.WriteString(part, png)
		_ = w.Close()
		req := httptest.NewRequest(http.MethodPost, "/upload", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		clerk := &auth.Caller{User: &model.User{ID: 1, Role: model.RoleClerk}, Token: &model.Token{Role: model.RoleClerk}}
		req = req.WithContext(auth.WithCaller(req.Context(), clerk))
		rec := httptest.NewRecorder()
		svc.Upload(rec, req)
		var answer struct {
			Errors []struct {
				Message    string
				Extensions map[string]string
			}
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &answer)
		if rec.Code != http.StatusServiceUnavailable || len(answer.Errors) != 1 ||
			answer.Errors[0].Extensions["code"] != "UNAVAILABLE" || strings.Contains(rec.Body.String(), dir) {
			t.Errorf("/upload to a full disk: %d %s", rec.Code, rec.Body.String())
		}
	})
}

// An upload whose record cannot be written (here: the database has gone)
// leaves no file behind, unless another record uses the same bytes.
func TestAnUnrecordedUploadLeavesNoFile(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		svc := media.NewService(s, media.Folder{Dir: dir}, 1<<20, zerolog.Nop())
		png := "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100)
		kept, err := svc.Save(ctx, "kept.png", strings.NewReader(png))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Save(ctx, "new.png", strings.NewReader(png+"new")); err == nil {
			t.Fatal("an upload was recorded in a closed database")
		}
		if _, err := svc.Save(ctx, "same.png", strings.NewReader(png)); err == nil {
			t.Fatal("an upload was recorded in a closed database")
		}
		var files []string
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if len(files) != 1 || files[0] != kept.Key {
			t.Errorf("stored files %v; want only %s, the bytes of the recorded upload", files, kept.Key)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(kept.Key))); err != nil {
			t.Errorf("the bytes a record uses were removed: %v", err)
		}
	})
}
