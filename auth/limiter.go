package auth

import (
	"sync"
	"time"
)

// limiter slows password guessing: after a few failed logins for one
// username from one address, further attempts are refused for a while that
// doubles with each failure, up to maxLockout. A success clears the count.
// It lives in each server process, so with n replicas an attacker gets n
// times the attempts: still thousands of times fewer than line speed.
type limiter struct {
	mu      sync.Mutex
	entries map[string]*attempts
	free    int
	window  time.Duration
	max     time.Duration
}

type attempts struct {
	failures int
	last     time.Time
	until    time.Time
}

const (
	freeFailures = 5
	failWindow   = 15 * time.Minute
	maxLockout   = 15 * time.Minute
)

func newLimiter() *limiter {
	return &limiter{entries: map[string]*attempts{}, free: freeFailures, window: failWindow, max: maxLockout}
}

// wait is how long key must wait before trying again (0: now).
func (l *limiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.entries[key]
	if a == nil || now.Sub(a.last) > l.window {
		return 0
	}
	if now.Before(a.until) {
		return a.until.Sub(now)
	}
	return 0
}

// fail records a failed attempt.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) > 100_000 {
		l.sweep(now)
	}
	a := l.entries[key]
	if a == nil || now.Sub(a.last) > l.window {
		a = &attempts{}
		l.entries[key] = a
	}
	a.failures++
	a.last = now
	if over := a.failures - l.free; over >= 0 {
		d := time.Second << min(over, 20)
		a.until = now.Add(min(d, l.max))
	}
}

// succeed clears key.
func (l *limiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

func (l *limiter) sweep(now time.Time) {
	for k, a := range l.entries {
		if now.Sub(a.last) > l.window && now.After(a.until) {
			delete(l.entries, k)
		}
	}
}
