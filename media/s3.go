package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options say where a bucket is and how to reach it (WMS_S3_*).
type S3Options struct {
	// Endpoint is the server's URL, http:// or https://, such as
	// https://s3.eu-central-1.amazonaws.com or http://seaweedfs:8333.
	Endpoint  string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	// PathStyle addresses the bucket as endpoint/bucket rather than
	// bucket.endpoint: what most self-hosted servers need.
	PathStyle bool
}

// S3 is Storage in a bucket of an S3-compatible object store, so every
// replica of the server sees the same files. Keys are those of Folder
// (the SHA-256 of the bytes), so identical uploads share one object.
//
// An upload streams to a staging object under tmp/ in parts of PartSize
// (a multipart upload: memory holds one part, never the whole file) while
// its SHA-256 is computed; Commit copies it under its key inside the bucket
// and removes the staging object. A server that dies between the two leaves
// a staging object behind: a lifecycle rule expiring tmp/ after a day
// cleans those (deploy/README.md).
type S3 struct {
	Client *minio.Client
	Bucket string
	// PartSize is the size of each part of a multipart upload: the memory
	// one upload holds. S3 asks for at least 5 MiB.
	PartSize uint64
}

// stagingPrefix is where uploads are written before they have a key.
const stagingPrefix = "tmp/"

// NewS3 connects to the bucket in o. It makes no request: Check does.
func NewS3(o S3Options) (*S3, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("S3 endpoint %q: want a URL such as https://s3.example.com or http://seaweedfs:8333", o.Endpoint)
	}
	lookup := minio.BucketLookupAuto
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       o.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client: %w", err)
	}
	return &S3{Client: c, Bucket: o.Bucket, PartSize: 5 << 20}, nil
}

// Describe names the store.
func (s *S3) Describe() string { return "s3" }

func randomName(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return stagingPrefix + prefix + hex.EncodeToString(b[:])
}

// Stage streams r to a staging object, hashing it on the way.
func (s *S3) Stage(ctx context.Context, r io.Reader) (*Staged, error) {
	name := randomName("upload-")
	h := sha256.New()
	info, err := s.Client.PutObject(ctx, s.Bucket, name, io.TeeReader(r, h), -1,
		minio.PutObjectOptions{PartSize: s.PartSize, ContentType: "application/octet-stream"})
	if err != nil {
		// A failed multipart upload is aborted by the client; a single
		// part that did arrive is removed here.
		s.remove(name)
		return nil, s.fault("stage an upload", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return &Staged{Key: sum[:2] + "/" + sum, Size: info.Size, SHA256: sum, Temp: name}, nil
}

// Commit copies the staging object under its key, inside the bucket, or
// drops it when the key is stored already.
func (s *S3) Commit(ctx context.Context, st *Staged) (bool, error) {
	if !keyForm.MatchString(st.Key) {
		return false, fmt.Errorf("media: bad storage key %q", st.Key)
	}
	_, err := s.Client.StatObject(ctx, s.Bucket, st.Key, minio.StatObjectOptions{})
	switch {
	case err == nil:
		s.Discard(st)
		return false, nil
	case !isNoSuchKey(err):
		return false, s.fault("look for "+st.Key, err)
	}
	_, err = s.Client.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: s.Bucket, Object: st.Key},
		minio.CopySrcOptions{Bucket: s.Bucket, Object: st.Temp})
	if err != nil {
		return false, s.fault("store "+st.Key, err)
	}
	s.Discard(st)
	return true, nil
}

// Discard removes the staging object, if it is still there. It runs after
// the request may have ended, so it has its own deadline.
func (s *S3) Discard(st *Staged) {
	if st != nil && st.Temp != "" {
		s.remove(st.Temp)
		st.Temp = ""
	}
}

func (s *S3) remove(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.Client.RemoveObject(ctx, s.Bucket, name, minio.RemoveObjectOptions{})
}

// Open returns the object under key. Reads are ranged GETs issued as the
// caller seeks and reads, so Range requests fetch only what they ask for.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, time.Time, error) {
	if !keyForm.MatchString(key) {
		return nil, time.Time{}, fmt.Errorf("media: bad storage key %q", key)
	}
	obj, err := s.Client.GetObject(ctx, s.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, time.Time{}, s.fault("open "+key, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if isNoSuchKey(err) {
			return nil, time.Time{}, fmt.Errorf("media: object %s: %w", key, fs.ErrNotExist)
		}
		return nil, time.Time{}, s.fault("open "+key, err)
	}
	return obj, info.LastModified, nil
}

// Delete removes the object under key; S3 answers a missing one as done.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !keyForm.MatchString(key) {
		return fmt.Errorf("media: bad storage key %q", key)
	}
	if err := s.Client.RemoveObject(ctx, s.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return s.fault("delete "+key, err)
	}
	return nil
}

// Check writes a small object under tmp/ and removes it: the bucket is
// there, the credentials may write, and the server answers.
func (s *S3) Check(ctx context.Context) error {
	name := randomName("check-")
	_, err := s.Client.PutObject(ctx, s.Bucket, name, bytes.NewReader(checkBytes), int64(len(checkBytes)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return s.fault("write a check object", err)
	}
	if err := s.Client.RemoveObject(ctx, s.Bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return s.fault("remove a check object", err)
	}
	return nil
}

// Has reports whether an object is stored under key, and its size.
func (s *S3) Has(ctx context.Context, key string) (bool, int64, error) {
	info, err := s.Client.StatObject(ctx, s.Bucket, key, minio.StatObjectOptions{})
	switch {
	case err == nil:
		return true, info.Size, nil
	case isNoSuchKey(err):
		return false, 0, nil
	default:
		return false, 0, s.fault("look for "+key, err)
	}
}

// Put stores size bytes from r under key directly, without staging: for
// copying a store whose keys are known (wms media migrate).
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if !keyForm.MatchString(key) {
		return fmt.Errorf("media: bad storage key %q", key)
	}
	_, err := s.Client.PutObject(ctx, s.Bucket, key, r, size,
		minio.PutObjectOptions{PartSize: s.PartSize, ContentType: "application/octet-stream"})
	if err != nil {
		return s.fault("store "+key, err)
	}
	return nil
}

func isNoSuchKey(err error) bool {
	return minio.ToErrorResponse(err).Code == minio.NoSuchKey
}

// Unavailable is an object store that cannot be reached or refuses to be
// written (no such bucket, wrong credentials, out of quota): the client may
// try again later, as with a full disk.
type Unavailable struct {
	Op  string
	Err error
}

func (e *Unavailable) Error() string { return "object store: " + e.Op + ": " + e.Err.Error() }

func (e *Unavailable) Unwrap() error { return e.Err }

// refusals are the S3 error codes that say the store will not take a
// write now, rather than that the request was wrong.
var refusals = []string{"AccessDenied", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch",
	"QuotaExceeded", "XMinioStorageFull", "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}

// fault wraps an error of the object store, as *Unavailable when the store
// is away or refuses writes.
func (s *S3) fault(op string, err error) error {
	var netErr net.Error
	var urlErr *url.Error
	code := minio.ToErrorResponse(err).Code
	if errors.As(err, &netErr) || errors.As(err, &urlErr) || slices.Contains(refusals, code) {
		return &Unavailable{Op: op, Err: err}
	}
	return fmt.Errorf("object store: %s: %w", op, err)
}
