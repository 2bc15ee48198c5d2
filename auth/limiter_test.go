package auth

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"wms/model"
)

var t0 = time.Unix(1_000_000, 0)

// mustReserve reserves a login that must be let through.
func mustReserve(t *testing.T, l *limiter, user, addr string, now time.Time) *reservation {
	t.Helper()
	r, err := l.reserve(user, addr, now)
	if err != nil {
		t.Fatalf("%s from %s refused: %v", user, addr, err)
	}
	return r
}

// refusal reserves a login that must be refused, and returns why.
func refusal(t *testing.T, l *limiter, user, addr string, now time.Time) *model.TooManyAttemptsError {
	t.Helper()
	r, err := l.reserve(user, addr, now)
	if err == nil {
		r.release()
		t.Fatalf("%s from %s let through", user, addr)
	}
	var many *model.TooManyAttemptsError
	if !errors.As(err, &many) {
		t.Fatalf("refused with %T %v, want TooManyAttemptsError", err, err)
	}
	return many
}

func TestLimiterLocksOutAndForgives(t *testing.T) {
	l := newLimiter()
	for range userFreeFailures {
		mustReserve(t, l, "admin", "198.51.100.1", t0).fail(t0)
	}
	if e := refusal(t, l, "ADMIN", "198.51.100.1", t0); e.RetryAfter != time.Second {
		t.Errorf("after %d failures wait %v, want 1s", userFreeFailures, e.RetryAfter)
	}
	at := t0.Add(time.Second)
	mustReserve(t, l, "admin", "198.51.100.1", at).fail(at)
	if e := refusal(t, l, "admin", "198.51.100.1", at); e.RetryAfter != 2*time.Second {
		t.Errorf("next failure: wait %v, want 2s", e.RetryAfter)
	}
	mustReserve(t, l, "admin", "198.51.100.2", at).release()
	mustReserve(t, l, "chen", "198.51.100.1", at).release()
	later := at.Add(failWindow + time.Second)
	mustReserve(t, l, "admin", "198.51.100.1", later).fail(later)
	mustReserve(t, l, "admin", "198.51.100.1", later).succeed()
	for range userFreeFailures {
		mustReserve(t, l, "admin", "198.51.100.1", later).fail(later)
	}
	refusal(t, l, "admin", "198.51.100.1", later)
}

// A burst of concurrent guesses reserves its places before any is checked,
// so it gets exactly the checks that guesses one after another get.
func TestLimiterHoldsABurstToTheFreeFailures(t *testing.T) {
	l := newLimiter()
	var (
		mu      sync.Mutex
		checked int
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	// Each of 60 guessers keeps trying until it is told to wait; a guess
	// that gets through is a check and fails.
	for range 60 {
		wg.Go(func() {
			<-start
			for {
				r, err := l.reserve("admin", "203.0.113.9", t0)
				if err != nil {
					if !errors.As(err, new(*model.TooManyAttemptsError)) {
						t.Error(err)
						return
					}
					if l.lockedOut("admin", "203.0.113.9", t0) {
						return
					}
					continue
				}
				mu.Lock()
				checked++
				mu.Unlock()
				r.fail(t0)
			}
		})
	}
	close(start)
	wg.Wait()
	if checked != userFreeFailures {
		t.Errorf("%d passwords checked in the burst, want %d", checked, userFreeFailures)
	}
	if l.inFlight != 0 || l.suspect != 0 {
		t.Errorf("%d logins (%d suspect) still counted in flight", l.inFlight, l.suspect)
	}
}

// lockedOut reports whether user at addr must wait (for the burst test).
func (l *limiter) lockedOut(user, addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.entries[user+"\x00"+addr]
	return a != nil && a.wait(now) > 0
}

func TestLimiterCountsInFlightLogins(t *testing.T) {
	l := newLimiter()
	a := mustReserve(t, l, "admin", "198.51.100.1", t0)
	b := mustReserve(t, l, "admin", "198.51.100.1", t0)
	if e := refusal(t, l, "chen", "198.51.100.1", t0); e.RetryAfter != busyRetry {
		t.Errorf("a third login at once from one address: retry after %v, want %v", e.RetryAfter, busyRetry)
	}
	a.release()
	a.release() // settling twice counts once
	c := mustReserve(t, l, "chen", "198.51.100.1", t0)
	b.fail(t0)
	b.release() // after fail: nothing
	c.release()
	// Four failures: one more may be in flight, not two.
	for range userFreeFailures - 2 {
		mustReserve(t, l, "admin", "198.51.100.1", t0).fail(t0)
	}
	last := mustReserve(t, l, "admin", "198.51.100.1", t0)
	refusal(t, l, "admin", "198.51.100.1", t0)
	last.fail(t0)
	if e := refusal(t, l, "admin", "198.51.100.1", t0); e.RetryAfter != time.Second {
		t.Errorf("after %d failures wait %v, want 1s", userFreeFailures, e.RetryAfter)
	}
}

// Failures from one address never hold up the right password from another,
// and an address spraying usernames is slowed across all of them.
func TestLimiterLimitsAnAddressAcrossUsernames(t *testing.T) {
	l := newLimiter()
	const guesser, clerk = "203.0.113.66", "198.51.100.7"
	for i := range addressFreeFailures {
		mustReserve(t, l, fmt.Sprintf("user%d", i), guesser, t0).fail(t0)
	}
	if e := refusal(t, l, "someone-new", guesser, t0); e.RetryAfter != time.Second {
		t.Errorf("after %d failures across usernames wait %v, want 1s", addressFreeFailures, e.RetryAfter)
	}
	mustReserve(t, l, "user3", clerk, t0).succeed()
	// A success of the guesser's own does not clear its address.
	at := t0.Add(time.Second)
	mustReserve(t, l, "own-account", guesser, at).succeed()
	mustReserve(t, l, "user21", guesser, at).fail(at)
	if e := refusal(t, l, "own-account", guesser, at); e.RetryAfter != 2*time.Second {
		t.Errorf("address wait %v after a success of its own, want 2s", e.RetryAfter)
	}
}

// The hashing queue is bounded, and addresses with recent failures share
// only half of it: the rest is kept for everyone else.
func TestLimiterKeepsAShareForQuietAddresses(t *testing.T) {
	l := newLimiter()
	var held []*reservation
	// Give 40 addresses one failure each, so they are suspect.
	for i := range 40 {
		mustReserve(t, l, "x", fmt.Sprintf("203.0.113.%d", i), t0).fail(t0)
	}
	for i := range suspectShare {
		held = append(held, mustReserve(t, l, "y", fmt.Sprintf("203.0.113.%d", i), t0))
	}
	refusal(t, l, "y", "203.0.113.39", t0)
	for i := range loginQueue - suspectShare {
		held = append(held, mustReserve(t, l, "admin", fmt.Sprintf("198.51.100.%d", i), t0))
	}
	if e := refusal(t, l, "admin", "198.51.100.200", t0); e.RetryAfter != busyRetry {
		t.Errorf("a full queue: retry after %v, want %v", e.RetryAfter, busyRetry)
	}
	held[0].release()
	mustReserve(t, l, "admin", "198.51.100.200", t0).release()
	for _, r := range held {
		r.fail(t0)
	}
	if l.inFlight != 0 || l.suspect != 0 {
		t.Errorf("%d logins (%d suspect) still counted in flight", l.inFlight, l.suspect)
	}
}

// Stale entries are swept as new ones come, so a flood of new usernames and
// addresses holds at most about twice the entries of one failWindow.
func TestLimiterForgetsStaleEntries(t *testing.T) {
	l := newLimiter()
	const n = 3 * sweepFloor
	for _, at := range []time.Time{t0, t0.Add(2 * failWindow)} {
		for i := range n {
			mustReserve(t, l, fmt.Sprintf("u%d", i), fmt.Sprintf("a%d-%d", at.Unix(), i), at).fail(at)
		}
	}
	// Each failure leaves two entries: its username's and its address's.
	if got := len(l.entries); got > 2*n {
		t.Errorf("%d entries kept, want at most %d: the first window's are not swept", got, 2*n)
	}
}
