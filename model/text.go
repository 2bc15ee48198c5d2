package model

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold is the form names are compared and searched in: NFC, Unicode case
// folding. It is computed in Go and stored in a binary-collated column, so that
// uniqueness, search and ordering behave the same on SQLite and on MySQL
// (whose own collations fold differently and SQLite's NOCASE folds only ASCII).
func Fold(s string) string {
	return cases.Fold().String(norm.NFC.String(s))
}

// Text checks and cleans one line of text input: spaces trimmed, NFC, no
// control characters, and between min and max characters (runes, so 蔬菜 is 2).
func Text(field, s string, min, max int) (string, error) {
	return text(field, s, min, max, false)
}

// Note is Text for free text that may span lines (tabs and newlines allowed).
func Note(field string, s *string, max int) (*string, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil, nil
	}
	t, err := text(field, *s, 1, max, true)
	return &t, err
}

func text(field, s string, min, max int, multiline bool) (string, error) {
	s = norm.NFC.String(strings.TrimSpace(s))
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return "", Invalid(field, "%s is not valid UTF-8", field)
	case n < min && n == 0:
		return "", Invalid(field, "%s is required", field)
	case n < min:
		return "", Invalid(field, "%s must be at least %d characters", field, min)
	case n > max:
		return "", Invalid(field, "%s must be at most %d characters (got %d)", field, max, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return "", Invalid(field, "%s contains a control character", field)
		}
	}
	return s, nil
}

// OptionalText is Text for a field that may be absent: nil or blank is nil.
func OptionalText(field string, s *string, max int) (*string, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil, nil
	}
	t, err := Text(field, *s, 1, max)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Change is one field of an update: Set says the client sent it, and a nil
// Value then clears an optional field.
type Change[T any] struct {
	Set   bool
	Value *T
}

// To returns a Change that sets v.
func To[T any](v T) Change[T] { return Change[T]{Set: true, Value: &v} }
