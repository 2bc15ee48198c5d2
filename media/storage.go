// Package media stores uploaded and generated files and serves them: the
// storage behind a small interface, sniffing and limits on upload, and the
// /upload and /media/{id}/{filename} handlers.
package media

import (
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

// Storage keeps file bytes under keys it chooses.
type Storage interface {
	// Put stores what r yields and returns its key, size and SHA-256. A
	// failed Put leaves nothing behind.
	Put(r io.Reader) (key string, size int64, sum string, err error)
	// Open returns the bytes stored under key, and when they were stored.
	Open(key string) (io.ReadSeekCloser, time.Time, error)
	// Delete removes key; a key that is not there is not an error.
	Delete(key string) error
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

// Put stores r.
func (f Folder) Put(r io.Reader) (string, int64, string, error) {
	tmpDir := filepath.Join(f.Dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return "", 0, "", err
	}
	tmp, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return "", 0, "", err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	key := sum[:2] + "/" + sum
	dst, _ := f.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, "", err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, "", err
	}
	return key, n, sum, nil
}

// Open opens the file under key.
func (f Folder) Open(key string) (io.ReadSeekCloser, time.Time, error) {
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
func (f Folder) Delete(key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
