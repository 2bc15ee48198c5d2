package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"wms/model"
)

// Store is what the media service needs from the database (db.Store).
type Store interface {
	CreateMedia(ctx context.Context, m *model.Media) error
	Media(ctx context.Context, id int64) (*model.Media, error)
	StaleMedia(ctx context.Context, olderThan, now time.Time, afterID int64, limit int) ([]*model.Media, error)
	DeleteMedia(ctx context.Context, m *model.Media) (deleted, keyInUse bool, err error)
	MediaKeyInUse(ctx context.Context, key string) (bool, error)
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
	// Links signs the URLs of files for <img src> and links; nil gives
	// plain URLs, which need an Authorization header.
	Links *Links
	Now   func() time.Time
	Log   zerolog.Logger

	// keys serialises, per stored key, putting bytes under it with
	// recording them, and removing them: identical files share their bytes,
	// so bytes are removed only when no record uses them, and no upload of
	// the same bytes may slip in between the check and the removal.
	keys keyLocks
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
	st, err := s.Storage.Stage(&limitReader{r: br, n: s.MaxBytes})
	if err != nil {
		return nil, s.readError(err)
	}
	m, err := s.record(ctx, st, &model.Media{Kind: model.MediaUpload, Filename: model.CleanFilename(filename), ContentType: ct})
	if err != nil {
		return nil, err
	}
	s.Log.Info().Int64("media", m.ID).Str("type", ct).Int64("size", m.Size).Msg("uploaded")
	return m, nil
}

// readError tells why reading an upload into the store failed: too large, a
// store that cannot be written, or a fault.
func (s *Service) readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.Is(err, errTooLarge) || errors.As(err, &mbe) {
		return refuse(http.StatusRequestEntityTooLarge, "the file is larger than the limit of %d bytes", s.MaxBytes)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) { // the server's body deadline (WMS_UPLOAD_TIMEOUT)
		return refuse(http.StatusRequestTimeout, "the file did not arrive in the time allowed")
	}
	return s.writeError(err)
}

// ErrStoreUnavailable is the answer to a write the file store refused for
// want of room or of permission (a full disk, a read-only folder): the
// client may try again later; it is not a fault of the server's code.
var ErrStoreUnavailable = model.Errorf(model.CodeUnavailable,
	"the file store cannot take files right now (it is full or read-only); try again later")

// NotWritable reports whether a storage error is the file system refusing a
// write (a full disk, a read-only or missing folder, no permission), not a
// fault of the code: the store's operations fail with *fs.PathError or
// *os.LinkError then.
func NotWritable(err error) bool {
	var pathErr *fs.PathError
	var linkErr *os.LinkError
	return errors.As(err, &pathErr) || errors.As(err, &linkErr)
}

// writeError maps a failed write to the store: ErrStoreUnavailable (logged
// with its cause) when the store cannot be written, else the error itself.
func (s *Service) writeError(err error) error {
	if NotWritable(err) {
		s.Log.Error().Err(err).Msg("the media store cannot be written")
		return ErrStoreUnavailable
	}
	return fmt.Errorf("store file: %w", err)
}

// record puts staged bytes under their key and records m for them. When the
// record cannot be written, bytes this call put in place are removed again
// unless another record uses them.
func (s *Service) record(ctx context.Context, st *Staged, m *model.Media) (*model.Media, error) {
	defer s.Storage.Discard(st)
	unlock := s.keys.lock(st.Key)
	defer unlock()
	created, err := s.Storage.Commit(st)
	if err != nil {
		return nil, s.writeError(err)
	}
	m.Size, m.SHA256, m.Key = st.Size, st.SHA256, st.Key
	m.CreatedAt, m.CreatedBy = s.now(), model.ActorFrom(ctx)
	if err := s.Store.CreateMedia(ctx, m); err != nil {
		if created {
			s.removeUnrecorded(ctx, st.Key)
		}
		return nil, fmt.Errorf("record %s: %w", m.Filename, err)
	}
	return m, nil
}

// removeUnrecorded removes bytes just put under key for a record that could
// not be written, unless a record uses them after all. The caller holds the
// key's lock. When the database cannot say (it is likely why the record
// failed), the bytes were new under key, so no record of this server uses
// them: they go.
func (s *Service) removeUnrecorded(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	inUse, err := s.Store.MediaKeyInUse(ctx, key)
	if err == nil && inUse {
		return
	}
	if err := s.Storage.Delete(key); err != nil {
		s.Log.Error().Err(err).Str("key", key).Msg("remove the bytes of an unrecorded file")
	}
}

// SaveGenerated stores a file wms made (an export), which expires.
func (s *Service) SaveGenerated(ctx context.Context, filename, contentType string, r io.Reader, expiresAt time.Time) (*model.Media, error) {
	st, err := s.Storage.Stage(r)
	if err != nil {
		return nil, s.writeError(err)
	}
	exp := expiresAt.UTC()
	return s.record(ctx, st, &model.Media{Kind: model.MediaExport, Filename: model.CleanFilename(filename),
		ContentType: contentType, ExpiresAt: &exp})
}

// cleanBatch is how many stale records Clean reads at a time.
const cleanBatch = 100

// Clean removes uploads nobody references after UnusedAfter and expired
// exports nobody references, with their bytes when no other record shares
// them. A file that cannot be removed is logged and counted in failed, and
// the clean-up carries on with the next; err is set only when the stale
// files cannot be listed.
func (s *Service) Clean(ctx context.Context) (removed, failed int, err error) {
	now := s.now()
	var after int64
	for {
		stale, err := s.Store.StaleMedia(ctx, now.Add(-s.UnusedAfter), now, after, cleanBatch)
		if err != nil || len(stale) == 0 {
			return removed, failed, err
		}
		for _, m := range stale {
			after = m.ID
			done, err := s.remove(ctx, m)
			if ctx.Err() != nil {
				return removed, failed, ctx.Err()
			}
			switch {
			case err != nil:
				failed++
				s.Log.Error().Err(err).Int64("media", m.ID).Msg("media clean-up: cannot remove a file; carrying on")
			case done:
				removed++
			}
		}
	}
}

// remove deletes a stale record and, unless another record shares them, its
// bytes. It answers false when something came to refer to the file since
// it was found stale.
func (s *Service) remove(ctx context.Context, m *model.Media) (bool, error) {
	unlock := s.keys.lock(m.Key)
	defer unlock()
	deleted, inUse, err := s.Store.DeleteMedia(ctx, m)
	if err != nil || !deleted {
		return false, err
	}
	if !inUse {
		if err := s.Storage.Delete(m.Key); err != nil {
			return true, fmt.Errorf("media %d removed but not its bytes: %w", m.ID, err)
		}
	}
	return true, nil
}

// RunCleaner cleans at once and then every interval until ctx ends.
func (s *Service) RunCleaner(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, failed, err := s.Clean(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Log.Error().Err(err).Int("removed", n).Int("failed", failed).Msg("media clean-up")
		case failed > 0:
			s.Log.Warn().Int("removed", n).Int("failed", failed).Msg("media clean-up")
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

// CheckWritable reports whether the store can take a file now (for /readyz).
func (s *Service) CheckWritable() error { return s.Storage.Check() }

// keyLocks is a fixed set of mutexes; a key takes the one its hash picks.
type keyLocks [64]sync.Mutex

func (l *keyLocks) lock(key string) (unlock func()) {
	mu := &l[crc32.ChecksumIEEE([]byte(key))%uint32(len(l))]
	mu.Lock()
	return mu.Unlock
}
