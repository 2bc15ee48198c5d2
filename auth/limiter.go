package auth

import (
	"fmt"
	"sync"
	"time"

	"wms/model"
)

// limiter decides whether a login may check its password now. It counts, for
// each username from each address and for each address across usernames,
// the failed logins of the last failWindow and the logins in flight.
//
// A login reserves its place before its password is hashed, and the
// reservation counts against the allowance until it settles: a failure turns
// it into a recorded failure, a success clears the username's count, and
// anything else (the database is away, the caller gave up) just releases it.
// So a burst of concurrent guesses is held to the same few checks as guesses
// one after another.
//
// After userFreeFailures failures for one username from one address, or
// addressFreeFailures from one address across usernames, that address waits
// 1 s, then 2 s, 4 s … up to maxLockout before each further try. The delay
// belongs to the address: the right password from another address is never
// held up by it, so no one can lock a user out from elsewhere.
//
// It also bounds the hashing queue (a flood of logins must not starve real
// users): at most addressInFlight logins from one address and loginQueue in
// all may be hashing or waiting to hash at once, and addresses with recent
// failures share at most half of that, keeping the other half for the rest.
// A login beyond these limits is refused at once rather than queued.
//
// The in-flight bounds belong to each server process (they guard its own
// CPU). The failures are shared: with a FailureStore (the database) every
// login first adopts the counts recorded there by any replica, and every
// failure and success is written back, so n replicas give an attacker no
// more tries than one.
type limiter struct {
	mu      sync.Mutex
	entries map[string]*attempts
	// inFlight counts reserved logins; suspect those of them from an
	// address with recent failures.
	inFlight, suspect int
	sweepAt           int
}

// attempts is what the limiter knows of one username at one address, or of
// one address.
type attempts struct {
	failures int
	last     time.Time // of the last failure
	until    time.Time // no try before this
	inFlight int
}

const (
	userFreeFailures    = 5
	addressFreeFailures = 20
	failWindow          = model.LoginFailWindow
	maxLockout          = 15 * time.Minute
	addressInFlight     = 2
	loginQueue          = 32
	suspectShare        = loginQueue / 2
	// busyRetry is the retry hint for a login refused because too many are
	// in flight: about how long a few hashes take.
	busyRetry = time.Second
	// sweepFloor is how many entries the limiter holds before it first
	// looks for stale ones.
	sweepFloor = 10_000
)

func newLimiter() *limiter {
	return &limiter{entries: map[string]*attempts{}, sweepAt: sweepFloor}
}

// reservation is one login's place, held from before its password is hashed
// until it settles.
type reservation struct {
	l                *limiter
	userKey, addrKey string
	user, address    *attempts
	suspect          bool
	settled          bool
}

// reserve asks whether username may try a password from address now. It
// answers a reservation to settle, or why not (a *model.TooManyAttemptsError).
func (l *limiter) reserve(username, address string, now time.Time) (*reservation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= l.sweepAt {
		l.sweep(now)
		l.sweepAt = max(sweepFloor, 2*len(l.entries))
	}
	userKey, addrKey := limitKeys(username, address)
	user, addr := l.entry(userKey, now), l.entry(addrKey, now)
	if wait := max(user.wait(now), addr.wait(now)); wait > 0 {
		return nil, &model.TooManyAttemptsError{RetryAfter: wait,
			Message: fmt.Sprintf("too many failed logins; try again in %d s", int((wait+time.Second-1)/time.Second))}
	}
	suspect := addr.failures > 0
	switch {
	// The logins in flight may use up what is left of an allowance.
	case !user.allows(userFreeFailures):
		return nil, &model.TooManyAttemptsError{RetryAfter: busyRetry,
			Message: "another login for this user is being checked; try again in a moment"}
	case !addr.allows(addressFreeFailures), addr.inFlight >= addressInFlight:
		return nil, &model.TooManyAttemptsError{RetryAfter: busyRetry,
			Message: "too many logins at once from your address; try again in a moment"}
	case l.inFlight >= loginQueue, suspect && l.suspect >= suspectShare:
		return nil, &model.TooManyAttemptsError{RetryAfter: busyRetry,
			Message: "the server is busy with other logins; try again in a moment"}
	}
	user.inFlight++
	addr.inFlight++
	l.inFlight++
	if suspect {
		l.suspect++
	}
	return &reservation{l: l, userKey: userKey, addrKey: addrKey, user: user, address: addr, suspect: suspect}, nil
}

// entry returns key's attempts, keeping them once asked for; failures older
// than the window are forgotten.
func (l *limiter) entry(key string, now time.Time) *attempts {
	a := l.entries[key]
	if a == nil {
		a = &attempts{}
		l.entries[key] = a
	}
	if a.failures > 0 && now.Sub(a.last) > failWindow && !now.Before(a.until) {
		a.failures, a.last, a.until = 0, time.Time{}, time.Time{}
	}
	return a
}

// wait is how long the address must wait before its next try.
func (a *attempts) wait(now time.Time) time.Duration {
	if now.Before(a.until) {
		return a.until.Sub(now)
	}
	return 0
}

// allows reports whether one more login may be in flight: as many as the
// failures left before the delays start, and one at a time after that.
func (a *attempts) allows(free int) bool {
	return a.inFlight < max(1, free-a.failures)
}

func (a *attempts) fail(free int, now time.Time) {
	a.failures++
	a.last = now
	if over := a.failures - free; over >= 0 {
		d := time.Second << min(over, 20)
		a.until = now.Add(min(d, maxLockout))
	}
}

// fail settles the login as a failed password check.
func (r *reservation) fail(now time.Time) {
	r.settle(func() {
		r.user.fail(userFreeFailures, now)
		r.address.fail(addressFreeFailures, now)
	})
}

// succeed settles the login as signed in: the username's failures from the
// address are forgotten. The address's are not, or a guesser could clear
// them by signing in to an account of their own now and then.
func (r *reservation) succeed() {
	r.settle(func() {
		r.user.failures, r.user.last, r.user.until = 0, time.Time{}, time.Time{}
	})
}

// release gives the place back without an outcome (the password was never
// checked); after fail or succeed it does nothing, so it may be deferred.
func (r *reservation) release() { r.settle(func() {}) }

func (r *reservation) settle(outcome func()) {
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.settled {
		return
	}
	r.settled = true
	r.user.inFlight--
	r.address.inFlight--
	l.inFlight--
	if r.suspect {
		l.suspect--
	}
	outcome()
	l.forgetIdle(r.userKey, r.user)
	l.forgetIdle(r.addrKey, r.address)
}

// forgetIdle drops key's entry when it holds nothing.
func (l *limiter) forgetIdle(key string, a *attempts) {
	if a.inFlight == 0 && a.failures == 0 && l.entries[key] == a {
		delete(l.entries, key)
	}
}

// sweep forgets entries with nothing in flight and no failure that still
// counts.
func (l *limiter) sweep(now time.Time) {
	for k, a := range l.entries {
		if a.inFlight == 0 && (a.failures == 0 || now.Sub(a.last) > failWindow && !now.Before(a.until)) {
			delete(l.entries, k)
		}
	}
}

// limitKeys are the limiter's keys for a username at an address and for
// the address.
func limitKeys(username, address string) (userKey, addrKey string) {
	return model.Fold(username) + "\x00" + address, "\x00" + address
}

// adopt takes the failures recorded under key elsewhere (by any replica, in
// the database) as the truth: they include this process's own.
func (l *limiter) adopt(key string, f model.LoginFailures, free int, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.entry(key, now)
	a.failures, a.last, a.until = f.Count, f.Last, time.Time{}
	if over := f.Count - free; f.Count > 0 && over >= 0 {
		a.until = f.Last.Add(min(time.Second<<min(over, 20), maxLockout))
	}
	if a.failures == 0 {
		a.last = time.Time{}
	}
	l.forgetIdle(key, a)
}
