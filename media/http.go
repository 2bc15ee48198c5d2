package media

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"wms/auth"
	"wms/model"
)

// MediaJSON is how /upload answers: the fields of the GraphQL Media type.
type MediaJSON struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	URL         string    `json:"url"`
	CreatedAt   time.Time `json:"createdAt"`
}

func (s *Service) toJSON(m *model.Media, c *auth.Caller) MediaJSON {
	return MediaJSON{ID: strconv.FormatInt(m.ID, 10), Filename: m.Filename, ContentType: m.ContentType,
		Size: m.Size, SHA256: m.SHA256, URL: s.Links.URL(m, c), CreatedAt: m.CreatedAt}
}

func writeError(w http.ResponseWriter, status int, code model.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": map[string]string{"code": string(code)}}}})
}

// allow answers 401 or 403 unless the caller has role.
func allow(w http.ResponseWriter, r *http.Request, role model.Role) bool {
	_, err := auth.Require(r.Context(), role)
	var me *model.Error
	if errors.As(err, &me) {
		status := http.StatusForbidden
		if me.Code == model.CodeUnauthenticated {
			status = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", `Bearer realm="wms"`)
		}
		writeError(w, status, me.Code, me.Message)
		return false
	}
	return true
}

// Upload is POST /upload: a plain multipart/form-data upload with the file in
// the field "file", for scripts (curl -F file=@photo.jpg). The body is read
// as a stream, part by part: an oversize file is cut off at the limit,
// never buffered. It answers 201 with the Media as JSON.
func (s *Service) Upload(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, model.RoleClerk) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, model.CodeInvalid, "send multipart/form-data with the file in the field \"file\"")
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			writeError(w, http.StatusBadRequest, model.CodeInvalid, "no field \"file\" in the form")
			return
		}
		if err != nil {
			s.answerError(w, s.readError(err))
			return
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		m, err := s.Save(r.Context(), part.FileName(), part)
		if err != nil {
			s.answerError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", m.URL())
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(s.toJSON(m, auth.CallerFrom(r.Context())))
		return
	}
}

func (s *Service) answerError(w http.ResponseWriter, err error) {
	var ref *Refusal
	if errors.As(err, &ref) {
		writeError(w, ref.Status, ref.Err.Code, ref.Err.Message)
		return
	}
	if errors.Is(err, ErrStoreUnavailable) {
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusServiceUnavailable, model.CodeUnavailable, ErrStoreUnavailable.Message)
		return
	}
	s.Log.Error().Err(err).Msg("upload")
	writeError(w, http.StatusInternalServerError, model.CodeInternal, "internal error")
}

// Download is GET /media/{id}/{filename}: the file with its sniffed type,
// its SHA-256 as ETag, Range and conditional requests (http.ServeContent),
// inline for images and as an attachment otherwise. Only the id is looked
// up; nothing of the path ever reaches the file system.
//
// A signed URL (see Links) works without an Authorization header.
func (s *Service) Download(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, model.CodeNotFound, "no such file")
		return
	}
	var signedUntil time.Time
	if q := r.URL.Query(); auth.CallerFrom(r.Context()) == nil && q.Has("sig") && s.Links != nil {
		c, until, err := s.Links.check(r.Context(), id, q)
		var me *model.Error
		switch {
		case errors.As(err, &me):
			writeError(w, http.StatusForbidden, me.Code, me.Message)
			return
		case err != nil:
			s.Log.Error().Err(err).Msg("check media link")
			writeError(w, http.StatusInternalServerError, model.CodeInternal, "internal error")
			return
		}
		signedUntil = until
		r = r.WithContext(auth.WithCaller(r.Context(), c))
	}
	if !allow(w, r, model.RoleViewer) {
		return
	}
	m, err := s.Store.Media(r.Context(), id)
	if err == nil && m.ExpiresAt != nil && !s.now().Before(*m.ExpiresAt) {
		err = model.NotFound("media", id)
	}
	if err != nil {
		if model.ErrorCode(err) == model.CodeNotFound {
			writeError(w, http.StatusNotFound, model.CodeNotFound, "no such file")
			return
		}
		s.Log.Error().Err(err).Msg("download")
		writeError(w, http.StatusInternalServerError, model.CodeInternal, "internal error")
		return
	}
	f, _, err := s.Storage.Open(m.Key)
	if err != nil {
		s.Log.Error().Err(err).Int64("media", id).Msg("open stored file")
		writeError(w, http.StatusNotFound, model.CodeNotFound, "the file is gone")
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+m.SHA256+`"`)
	// The bytes under an id never change; the answer depends on who asks,
	// so only the browser may keep it.
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	if !signedUntil.IsZero() {
		// A signed link is kept no longer than it works.
		h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d, immutable", int(signedUntil.Sub(s.now())/time.Second)))
	}
	disposition := "attachment"
	if m.Inline() {
		disposition = "inline"
	}
	h.Set("Content-Disposition", ContentDisposition(disposition, m.Filename))
	http.ServeContent(w, r, "", m.CreatedAt, f)
}

// ContentDisposition writes the header with an ASCII fallback filename and
// the exact one in RFC 5987 form.
func ContentDisposition(kind, filename string) string {
	var ascii strings.Builder
	for _, r := range filename {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii.String(), rfc5987(filename))
}

// rfc5987 percent-encodes every byte but RFC 5987's attr-chars.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
