package model

import (
	"time"
)

// Times a client sends are stored and listed by every later read, so only
// times in a documented range are accepted: a document happened at or after
// EarliestOccurredAt and at most OccurredAtLead after the server's clock (a
// device a little ahead of the server is not refused). Without the range a
// client could store 0001-01-01, which is Go's zero time and MySQL's
// "zero date", or a year no database orders like the others.
var EarliestOccurredAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// OccurredAtLead is how far past now a document's time may be.
const OccurredAtLead = 24 * time.Hour

// ClientTime is the one check of a time a client sends to be stored: it
// must lie in [earliest, latest], else it is BAD_USER_INPUT on field. It
// returns the time in UTC at the microsecond, the precision of MySQL's
// DATETIME(6), so that what is stored reads back equal.
func ClientTime(field string, t, earliest, latest time.Time) (time.Time, error) {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Before(earliest) || t.After(latest) {
		return time.Time{}, Invalid(field, "%s must be between %s and %s (got %s)", field,
			earliest.UTC().Format(time.RFC3339), latest.UTC().Format(time.RFC3339), t.Format(time.RFC3339Nano))
	}
	return t, nil
}

// OccurredAt checks a document's time: from EarliestOccurredAt to now plus
// OccurredAtLead.
func OccurredAt(t, now time.Time) (time.Time, error) {
	return ClientTime("occurredAt", t, EarliestOccurredAt, now.Add(OccurredAtLead))
}

// TokenExpiry checks an API token's expiry: after now, at most
// MaxTokenExpiry ahead.
func TokenExpiry(t, now time.Time) (time.Time, error) {
	now = now.UTC().Truncate(time.Microsecond)
	return ClientTime("expiresAt", t, now.Add(time.Microsecond), now.Add(MaxTokenExpiry))
}

// The instants every database wms runs on stores and compares as it does
// any other: years 0001 to 9999 in UTC. A list filter beyond them is
// clamped rather than refused (see FilterRange).
var (
	EarliestStorable = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestStorable   = time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC)
)

// FilterRange checks a list's time filter, from inclusive to exclusive, and
// clamps it to what a database can compare. A filter is a question, not a
// record, so it is never refused for being far out: a from before year 1 is
// no lower bound and a to after year 9999 no upper bound (every stored time
// lies between), while a from after 9999 or a to before year 1 keeps nothing.
// Only a to before from is BAD_USER_INPUT.
func FilterRange(from, to *time.Time) (*time.Time, *time.Time, error) {
	if from != nil && to != nil && to.Before(*from) {
		return nil, nil, Invalid("to", "to is before from")
	}
	return clampFilter(from, true), clampFilter(to, false), nil
}

func clampFilter(t *time.Time, lower bool) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	switch {
	case lower && u.Before(EarliestStorable), !lower && u.After(LatestStorable):
		return nil // beyond every stored time on its open side: no bound
	case u.Before(EarliestStorable):
		u = EarliestStorable
	case u.After(LatestStorable):
		u = LatestStorable
	}
	return &u
}
