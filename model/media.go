package model

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"
)

// MediaKind says where a file came from.
type MediaKind string

// Media kinds.
const (
	MediaUpload MediaKind = "UPLOAD" // sent by a user
	MediaExport MediaKind = "EXPORT" // a generated report; expires
)

// Media is an uploaded or generated file. The bytes are stored under Key (a
// content address), never under the client's filename, which is kept only
// as a name to show and to download as.
type Media struct {
	bun.BaseModel `bun:"table:media,alias:m"`

	ID          int64      `bun:"id,pk,autoincrement"`
	Kind        MediaKind  `bun:"kind,notnull"`
	Filename    string     `bun:"filename,notnull"`
	ContentType string     `bun:"content_type,notnull"`
	Size        int64      `bun:"size,notnull"`
	SHA256      string     `bun:"sha256,notnull"`
	Key         string     `bun:"storage_key,notnull" json:"-"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	CreatedBy   *int64     `bun:"created_by"`
	ExpiresAt   *time.Time `bun:"expires_at"`
}

// URL is where the file is downloaded: /media/{id}/{filename}.
func (m *Media) URL() string {
	return fmt.Sprintf("/media/%d/%s", m.ID, url.PathEscape(m.Filename))
}

// Inline reports whether a browser should show the file rather than save it:
// images only.
func (m *Media) Inline() bool { return strings.HasPrefix(m.ContentType, "image/") }

// CheckImage is the rule for a goods image: an uploaded image (its type
// sniffed from the bytes), never a generated report, which expires.
func (m *Media) CheckImage(field string) error {
	if m.Kind != MediaUpload || !strings.HasPrefix(m.ContentType, "image/") {
		return Invalid(field, "media %d is not an uploaded image (it is %s)", m.ID, m.describe())
	}
	return nil
}

// CheckAttachment is the rule for a stock-in attachment: an uploaded image
// or PDF (an invoice photo or scan), never a generated report.
func (m *Media) CheckAttachment(field string) error {
	if m.Kind != MediaUpload || !strings.HasPrefix(m.ContentType, "image/") && m.ContentType != "application/pdf" {
		return Invalid(field, "media %d is not an uploaded image or PDF (it is %s)", m.ID, m.describe())
	}
	return nil
}

func (m *Media) describe() string {
	if m.Kind == MediaExport {
		return "a generated report"
	}
	return m.ContentType
}

// FilenameMax bounds a kept filename, in characters.
const FilenameMax = 200

// CleanFilename makes a client's filename safe to keep and to send back in
// Content-Disposition: the last path element only, no control characters,
// no quotes or backslashes, at most FilenameMax characters; "file" when
// nothing is left.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	var b strings.Builder
	n := 0
	for _, r := range name {
		if unicode.IsControl(r) || r == '"' || r == '/' || r == utf8RuneError {
			continue
		}
		if n == FilenameMax {
			break
		}
		b.WriteRune(r)
		n++
	}
	s := strings.TrimSpace(b.String())
	if s == "" || s == "." || s == ".." {
		return "file"
	}
	return s
}

const utf8RuneError = '\uFFFD'

// StoredObject is the bytes stored under one key, as the media records
// describe them.
type StoredObject struct {
	Key    string `bun:"key" json:"key"`
	SHA256 string `bun:"sha256" json:"sha256"`
	Size   int64  `bun:"size" json:"size"`
}
