package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"wms/model"
)

// Store is what the media service needs from the database (db.Store).
type Store interface {
	CreateMedia(ctx context.Context, m *model.Media) error
	Media(ctx context.Context, id int64) (*model.Media, error)
	StaleMedia(ctx context.Context, olderThan, now time.Time, limit int) ([]*model.Media, error)
	DeleteMedia(ctx context.Context, m *model.Media) (keyInUse bool, err error)
}

// DefaultAllowed are the content types accepted by default: photos and PDFs.
var DefaultAllowed = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}

// Service stores uploads and generated files and records them.
type Service struct {
	Store   Store
	Storage Storage
	// MaxBytes is the largest upload.
	MaxBytes int64
	// Allowed lists the content types accepted, as sniffed from the bytes.
	Allowed []string
	// UnusedAfter is how long an upload referenced by nothing is kept.
	UnusedAfter time.Duration
	Now         func() time.Time
	Log         zerolog.Logger
}

// NewService returns a Service with the default allow-list.
func NewService(store Store, storage Storage, maxBytes int64, log zerolog.Logger) *Service {
	return &Service{Store: store, Storage: storage, MaxBytes: maxBytes, Allowed: DefaultAllowed,
		UnusedAfter: 24 * time.Hour, Now: time.Now, Log: log}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Refusal is an upload refused for what it is, with the HTTP status the
// /upload endpoint answers; GraphQL shows it as BAD_USER_INPUT on "file".
type Refusal struct {
	Err    *model.Error
	Status int
}

func (r *Refusal) Error() string { return r.Err.Message }

func (r *Refusal) Unwrap() error { return r.Err }

func refuse(status int, format string, args ...any) error {
	return &Refusal{Err: model.Invalid("file", format, args...), Status: status}
}

// errTooLarge is returned by the limited reader past MaxBytes.
var errTooLarge = errors.New("media: too large")

// limitReader yields at most n bytes and then errTooLarge, so an oversize
// upload is cut off while streaming, never read whole.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// Sniff reads the content type from the first bytes, whatever the client
// claims: http.DetectContentType, the WHATWG algorithm.
func Sniff(head []byte) string {
	ct, _, err := mime.ParseMediaType(http.DetectContentType(head))
	if err != nil {
		return "application/octet-stream"
	}
	return ct
}

// Save stores an upload: the content type sniffed and checked against the
// allow-list, the size capped while streaming, the filename kept only as
// metadata.
func (s *Service) Save(ctx context.Context, filename string, r io.Reader) (*model.Media, error) {
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, s.readError(err)
	}
	if len(head) == 0 {
		return nil, refuse(http.StatusBadRequest, "the file is empty")
	}
	ct := Sniff(head)
	if !slices.Contains(s.Allowed, ct) {
		return nil, refuse(http.StatusUnsupportedMediaType, "files of type %s are not accepted (accepted: %s)", ct, strings.Join(s.Allowed, ", "))
	}
	key, size, sum, err := s.Storage.Put(&limitReader{r: br, n: s.MaxBytes})
	if err != nil {
		return nil, s.readError(err)
	}
	m := &model.Media{Kind: model.MediaUpload, Filename: model.CleanFilename(filename), ContentType: ct,
		Size: size, SHA256: sum, Key: key, CreatedAt: s.now(), CreatedBy: model.ActorFrom(ctx)}
	if err := s.Store.CreateMedia(ctx, m); err != nil {
		return nil, fmt.Errorf("record upload: %w", err)
	}
	s.Log.Info().Int64("media", m.ID).Str("type", ct).Int64("size", size).Msg("uploaded")
	return m, nil
}

func (s *Service) readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.Is(err, errTooLarge) || errors.As(err, &mbe) {
		return refuse(http.StatusRequestEntityTooLarge, "the file is larger than the limit of %d bytes", s.MaxBytes)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) { // the server's body deadline (WMS_UPLOAD_TIMEOUT)
		return refuse(http.StatusRequestTimeout, "the file did not arrive in the time allowed")
	}
	return fmt.Errorf("store upload: %w", err)
}

// SaveGenerated stores a file wms made (an export), which expires.
func (s *Service) SaveGenerated(ctx context.Context, filename, contentType string, r io.Reader, expiresAt time.Time) (*model.Media, error) {
	key, size, sum, err := s.Storage.Put(r)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", filename, err)
	}
	exp := expiresAt.UTC()
	m := &model.Media{Kind: model.MediaExport, Filename: model.CleanFilename(filename), ContentType: contentType,
		Size: size, SHA256: sum, Key: key, CreatedAt: s.now(), CreatedBy: model.ActorFrom(ctx), ExpiresAt: &exp}
	if err := s.Store.CreateMedia(ctx, m); err != nil {
		return nil, fmt.Errorf("record %s: %w", filename, err)
	}
	return m, nil
}

// Clean removes uploads nobody references after UnusedAfter and expired
// exports, with their bytes when no other record shares them.
func (s *Service) Clean(ctx context.Context) (int, error) {
	removed := 0
	for {
		now := s.now()
		stale, err := s.Store.StaleMedia(ctx, now.Add(-s.UnusedAfter), now, 100)
		if err != nil || len(stale) == 0 {
			return removed, err
		}
		for _, m := range stale {
			inUse, err := s.Store.DeleteMedia(ctx, m)
			if err != nil {
				return removed, err
			}
			if !inUse {
				if err := s.Storage.Delete(m.Key); err != nil {
					return removed, err
				}
			}
			removed++
		}
	}
}

// RunCleaner cleans at once and then every interval until ctx ends.
func (s *Service) RunCleaner(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := s.Clean(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Log.Error().Err(err).Msg("media clean-up")
		case n > 0:
			s.Log.Info().Int("removed", n).Msg("media clean-up")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
