package model

import (
	"testing"
	"time"
)

func TestOccurredAtRange(t *testing.T) {
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		at time.Time
		ok bool
	}{
		{EarliestOccurredAt, true},
		{EarliestOccurredAt.Add(-time.Microsecond), false},
		{time.Time{}, false},
		{now.Add(OccurredAtLead), true},
		{now.Add(OccurredAtLead + time.Microsecond), false},
		{time.Date(2026, 11, 25, 16, 30, 0, 0, time.FixedZone("", 8*3600)), true}, // 08:30 UTC tomorrow
		{LatestStorable, false},
	} {
		got, err := OccurredAt(tt.at, now)
		if (err == nil) != tt.ok {
			t.Errorf("OccurredAt(%s) = %v, want ok %v", tt.at, err, tt.ok)
		}
		if err != nil && (ErrorCode(err) != CodeInvalid || err.(*Error).Field != "occurredAt") {
			t.Errorf("OccurredAt(%s): %#v", tt.at, err)
		}
		if err == nil && (got.Location() != time.UTC || !got.Equal(tt.at)) {
			t.Errorf("OccurredAt(%s) = %s, want the same instant in UTC", tt.at, got)
		}
	}
	if _, err := TokenExpiry(now, now); err == nil {
		t.Error("a token expiring now was accepted")
	}
	if _, err := TokenExpiry(now.Add(MaxTokenExpiry+time.Second), now); err == nil {
		t.Error("a token past the longest life was accepted")
	}
}

func TestFilterRangeClamps(t *testing.T) {
	at := func(s string) *time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return &v }
	str := func(p *time.Time) string {
		if p == nil {
			return "none"
		}
		return p.Format(time.RFC3339Nano)
	}
	for _, tt := range []struct {
		from, to         *time.Time
		wantFrom, wantTo string
	}{
		{at("0000-01-01T00:00:00+01:00"), at("9999-12-31T23:00:00-05:00"), "none", "none"},
		{at("9999-12-31T23:00:00-05:00"), nil, "9999-12-31T23:59:59.999999Z", "none"},
		{nil, at("0000-06-01T00:00:00Z"), "none", "0001-01-01T00:00:00Z"},
		{at("2026-01-01T08:00:00+08:00"), at("2026-01-02T00:00:00Z"), "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
	} {
		from, to, err := FilterRange(tt.from, tt.to)
		if err != nil || str(from) != tt.wantFrom || str(to) != tt.wantTo {
			t.Errorf("FilterRange(%s, %s) = %s, %s, %v; want %s, %s", str(tt.from), str(tt.to), str(from), str(to), err, tt.wantFrom, tt.wantTo)
		}
	}
	if _, _, err := FilterRange(at("2026-01-02T00:00:00Z"), at("2026-01-01T00:00:00Z")); ErrorCode(err) != CodeInvalid {
		t.Errorf("to before from: %v", err)
	}
}
