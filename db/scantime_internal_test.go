package db

import (
	"testing"
	"time"
)

// The text Bun writes for a time is read in one pass, without allocating:
// a page holds a few hundred of them.
func TestStoredTimeReadsBunsTextWithoutAllocating(t *testing.T) {
	want := time.Date(2026, 11, 24, 8, 30, 0, 123456000, time.UTC)
	var src any = "2026-11-24 08:30:00.123456+00:00"
	var got time.Time
	if n := testing.AllocsPerRun(100, func() { got = storedTime(src) }); n != 0 {
		t.Errorf("%v allocations per time", n)
	}
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("read %v, want %v", got, want)
	}
}
