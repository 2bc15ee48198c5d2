package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"wms/model"
)

// MigrateReport is what Migrate did.
type MigrateReport struct {
	// Copied were put in the bucket; Present were there already, with the
	// right bytes.
	Copied, Present int
	// Bad are files of the folder whose bytes do not match their key: left
	// out, for the operator to look at.
	Bad []string
	// Missing are keys that the database refers to and the bucket does not
	// hold after the copy.
	Missing []string
}

// Migrate copies every file of a folder store into a bucket and verifies
// each object's SHA-256 by reading it back; then it checks that every
// object in want (the database's media) is in the bucket. It may be run
// again: objects already there are verified, not copied.
func Migrate(ctx context.Context, from Folder, to *S3, want []model.StoredObject) (MigrateReport, error) {
	var rep MigrateReport
	err := filepath.WalkDir(from.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from.Dir, path)
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if key == "tmp" {
				return filepath.SkipDir
			}
			return nil
		}
		if !keyForm.MatchString(key) {
			return nil
		}
		copied, err := migrateOne(ctx, from, to, key)
		switch {
		case errors.Is(err, errBadBytes):
			rep.Bad = append(rep.Bad, key)
		case err != nil:
			return err
		case copied:
			rep.Copied++
		default:
			rep.Present++
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, o := range want {
		ok, size, err := to.Has(ctx, o.Key)
		if err != nil {
			return rep, err
		}
		if !ok || size != o.Size {
			rep.Missing = append(rep.Missing, o.Key)
		}
	}
	return rep, nil
}

var errBadBytes = errors.New("media: bytes do not match their key")

// migrateOne copies one file unless the bucket holds it already, and
// verifies what the bucket holds.
func migrateOne(ctx context.Context, from Folder, to *S3, key string) (copied bool, err error) {
	sum := key[3:]
	ok, _, err := to.Has(ctx, key)
	if err != nil {
		return false, err
	}
	if !ok {
		f, _, err := from.Open(ctx, key)
		if err != nil {
			return false, err
		}
		defer f.Close()
		st, err := f.(*os.File).Stat()
		if err != nil {
			return false, err
		}
		h := sha256.New()
		if err := to.Put(ctx, key, io.TeeReader(f, h), st.Size()); err != nil {
			return false, err
		}
		if hex.EncodeToString(h.Sum(nil)) != sum {
			_ = to.Delete(ctx, key)
			return false, fmt.Errorf("%s: %w", key, errBadBytes)
		}
		copied = true
	}
	obj, _, err := to.Open(ctx, key)
	if err != nil {
		return false, err
	}
	defer obj.Close()
	h := sha256.New()
	if _, err := io.Copy(h, obj); err != nil {
		return false, fmt.Errorf("read back %s: %w", key, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		return false, fmt.Errorf("%s in the bucket: %w", key, errBadBytes)
	}
	return copied, nil
}
