package main

import (
	"runtime/debug"
	"testing"
)

func TestMemoryLimitDefaults(t *testing.T) {
	for _, tc := range []struct{ cgroup, want int64 }{
		{0, 512 << 20},                    // no container limit
		{256 << 20, (256 << 20) / 10 * 9}, // a small container: 90% of it
		{8 << 30, 512 << 20},              // a large one: the default
	} {
		if got := memoryLimit(tc.cgroup); got != tc.want {
			t.Errorf("container limit %d: soft limit %d, want %d", tc.cgroup, got, tc.want)
		}
	}

	oldLimit, oldGC := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetMemoryLimit(oldLimit); debug.SetGCPercent(oldGC) })

	// Nothing set: the defaults.
	if got := tuneMemory(env(nil), 256<<20); got != (256<<20)/10*9 || debug.SetMemoryLimit(-1) != got {
		t.Errorf("soft limit %d, in force %d", got, debug.SetMemoryLimit(-1))
	}
	if gc := debug.SetGCPercent(100); gc != defaultGCPercent {
		t.Errorf("GOGC %d, want %d", gc, defaultGCPercent)
	}
	// The operator's GOMEMLIMIT and GOGC (applied by the runtime) stay.
	debug.SetMemoryLimit(123 << 20)
	debug.SetGCPercent(150)
	if got := tuneMemory(env(map[string]string{"GOMEMLIMIT": "123MiB", "GOGC": "150"}), 256<<20); got != 123<<20 {
		t.Errorf("with GOMEMLIMIT set: %d", got)
	}
	if gc := debug.SetGCPercent(100); gc != 150 {
		t.Errorf("with GOGC set: %d", gc)
	}
}
