// Package media stores uploaded and generated files and serves them: the
// storage behind a small interface, sniffing and limits on upload, and the
// /upload and /media/{id}/{filename} handlers.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Storage keeps file bytes under keys it chooses. A file is written in two
// steps, so the service can hold a lock on the key between knowing it and
// putting the bytes under it: Stage writes the bytes aside and learns the
// key, Commit puts them under it.
type Storage interface {
	// Stage writes what r yields aside and answers it with its key, size
	// and SHA-256. A failed Stage leaves nothing behind.
	Stage(ctx context.Context, r io.Reader) (*Staged, error)
	// Commit puts staged bytes under their key and reports whether the key
	// was new: false when identical bytes were already stored there.
	Commit(ctx context.Context, st *Staged) (created bool, err error)
	// Discard removes staged bytes that were not committed; after Commit it
	// does nothing.
	Discard(st *Staged)
	// Open returns the bytes stored under key, and when they were stored.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, time.Time, error)
	// Delete removes key; a key that is not there is not an error.
	Delete(ctx context.Context, key string) error
	// Check writes and removes a small file: whether a file could be
	// stored now (for /readyz).
	Check(ctx context.Context) error
	// Describe names the kind of store for logs: "folder" or "s3".
	Describe() string
}

// Staged is a file written aside by Storage.Stage, not yet under its key.
type Staged struct {
	Key    string
	Size   int64
	SHA256 string
	// Temp is where the storage keeps the bytes until Commit: a file
	// name in a folder, an object name in a bucket.
	Temp string
}

// Folder is Storage in a local folder. Files are content-addressed: the key
// is the SHA-256 of the bytes, so identical uploads share one file. A file is
// written under a temporary name and renamed into place once complete, so a
// crash never leaves a half file under a key.
type Folder struct {
	Dir string
}

var keyForm = regexp.MustCompile(`^[0-9a-f]{2}/[0-9a-f]{64}$`)

func (f Folder) path(key string) (string, error) {
	if !keyForm.MatchString(key) {
		return "", fmt.Errorf("media: bad storage key %q", key)
	}
	return filepath.Join(f.Dir, filepath.FromSlash(key)), nil
}

func (f Folder) tempFile(pattern string) (*os.File, error) {
	tmpDir := filepath.Join(f.Dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return nil, err
	}
	return os.CreateTemp(tmpDir, pattern)
}

// Stage writes r to a temporary file in the folder, synced to disk.
func (f Folder) Stage(_ context.Context, r io.Reader) (*Staged, error) {
	tmp, err := f.tempFile("upload-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return &Staged{Key: sum[:2] + "/" + sum, Size: n, SHA256: sum, Temp: tmp.Name()}, nil
}

// Commit renames the staged file into place, or drops it when the same
// bytes are stored already.
func (f Folder) Commit(_ context.Context, st *Staged) (bool, error) {
	dst, err := f.path(st.Key)
	if err != nil {
		return false, err
	}
	if _, err := os.Stat(dst); err == nil {
		f.Discard(st)
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return false, err
	}
	if err := os.Rename(st.Temp, dst); err != nil {
		return false, err
	}
	st.Temp = ""
	return true, nil
}

// Discard removes the staged file, if it is still there.
func (f Folder) Discard(st *Staged) {
	if st != nil && st.Temp != "" {
		_ = os.Remove(st.Temp)
		st.Temp = ""
	}
}

// Open opens the file under key.
func (f Folder) Open(_ context.Context, key string) (io.ReadSeekCloser, time.Time, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, time.Time{}, err
	}
	file, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, time.Time{}, err
	}
	return file, st.ModTime(), nil
}

// Delete removes the file under key.
func (f Folder) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// checkBytes is what Check writes: enough to need a block on a full disk.
var checkBytes = make([]byte, 4096)

// Check writes a small temporary file and removes it. A full disk or a
// read-only folder fails it; it costs a create, a write and a remove, no
// sync.
func (f Folder) Check(context.Context) error {
	tmp, err := f.tempFile("check-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(checkBytes)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(tmp.Name()); err == nil {
		err = rerr
	}
	return err
}

// Describe names the store.
func (f Folder) Describe() string { return "folder" }
