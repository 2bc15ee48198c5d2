package graph_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
)

// loginResult is what one login got: a token, or an error code.
type loginResult struct {
	token      string
	code       string
	retryAfter float64
	// header is the answer's Retry-After header.
	header string
	err    error // the request itself failed
}

// loginClient sends logins from many goroutines at once, each as if from the
// address it names in X-Forwarded-For ("" sends none).
type loginClient struct {
	url  string
	http *http.Client
}

func newLoginClient(t *testing.T, c *client) *loginClient {
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	t.Cleanup(tr.CloseIdleConnections)
	return &loginClient{url: c.srv.URL, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (lc *loginClient) login(forwardedFor, username, password string) loginResult {
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
		"variables": map[string]any{"u": username, "p": password},
	})
	req, _ := http.NewRequest(http.MethodPost, lc.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	res, err := lc.http.Do(req)
	if err != nil {
		return loginResult{err: err}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out struct {
		Data   struct{ Login struct{ Token string } }
		Errors []gqlError
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return loginResult{err: fmt.Errorf("%d %s", res.StatusCode, raw)}
	}
	if len(out.Errors) > 0 {
		e := out.Errors[0]
		code, _ := e.Extensions["code"].(string)
		after, _ := e.Extensions["retryAfter"].(float64)
		return loginResult{code: code, retryAfter: after, header: res.Header.Get("Retry-After")}
	}
	return loginResult{token: out.Data.Login.Token}
}

// mustGet logs in and checks the outcome: a token for code "", else code.
func (lc *loginClient) mustGet(t *testing.T, code, forwardedFor, username, password string) loginResult {
	t.Helper()
	r := lc.login(forwardedFor, username, password)
	switch {
	case r.err != nil:
		t.Fatalf("login %s from %q: %v", username, forwardedFor, r.err)
	case r.code != code:
		t.Fatalf("login %s from %q: code %q, want %q", username, forwardedFor, r.code, code)
	case code == "" && r.token == "":
		t.Fatalf("login %s from %q: no token", username, forwardedFor)
	}
	return r
}

// loopback trusts the test server's peer, so X-Forwarded-For names the client.
func loopback(t *testing.T) auth.TrustedProxies {
	p, err := auth.ParseTrustedProxies("127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixClock stops the login limiter's clock, so no wait runs out during a test.
func fixClock(c *client) {
	now := time.Now()
	c.auth.Now = func() time.Time { return now }
}

// 60 concurrent wrong passwords for one name get the five checks that five
// wrong passwords one after another get, not one each: every login reserves
// its place before its password is hashed. The hashes are counted where
// argon2 runs.
func TestLoginBurstChecksAtMostFivePasswords(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		fixClock(c)
		lc := newLoginClient(t, c)
		before := c.auth.PasswordHashes()
		results := make([]loginResult, 60)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() {
				<-start
				results[i] = lc.login("", "admin", fmt.Sprintf("wrong-guess-%d", i))
			})
		}
		close(start)
		wg.Wait()
		checks := c.auth.PasswordHashes() - before
		codes := map[string]int{}
		for _, r := range results {
			if r.err != nil {
				t.Fatal(r.err)
			}
			codes[r.code]++
			// A wrong password is told apart from the lock-out: its own
			// code, and no wait.
			if r.code == "UNAUTHENTICATED" && (r.header != "" || r.retryAfter != 0) {
				t.Errorf("a wrong password: retryAfter %v, Retry-After %q", r.retryAfter, r.header)
			}
			if r.code == "TOO_MANY_ATTEMPTS" && (r.header == "" || r.retryAfter < 1) {
				t.Errorf("a lock-out: retryAfter %v, Retry-After %q", r.retryAfter, r.header)
			}
		}
		t.Logf("60 concurrent wrong logins for one name: %d password checks; answers %v", checks, codes)
		if checks < 1 || checks > 5 {
			t.Errorf("%d passwords checked in the burst, want 1 to 5", checks)
		}
		if codes["UNAUTHENTICATED"] != int(checks) || codes["TOO_MANY_ATTEMPTS"] != 60-int(checks) {
			t.Errorf("answers %v: want UNAUTHENTICATED for each of the %d checks, TOO_MANY_ATTEMPTS for the rest", codes, checks)
		}
		// What is left of the allowance, and then the right password waits
		// too.
		for range 5 - checks {
			lc.mustGet(t, "UNAUTHENTICATED", "", "admin", "one-more-guess")
		}
		if r := lc.mustGet(t, "TOO_MANY_ATTEMPTS", "", "admin", testPassword); r.retryAfter != 1 || r.header != "1" {
			t.Errorf("retryAfter %v, Retry-After %q: want 1 in both", r.retryAfter, r.header)
		}

	})
}

// A flood of logins with random names from one address leaves logins from
// other addresses alone: they all succeed, and the flood gets at most a
// couple of hashes at a time and its address's twenty failures in all, not
// a place in the queue for each of its requests. A new password set
// meanwhile is hashed, not refused.
func TestLoginFloodFromOneAddressDoesNotStarveOthers(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		c.auth.Proxies = loopback(t)
		fixClock(c)
		lc := newLoginClient(t, c)
		const clerks = 4
		for i := range clerks {
			c.ok(fmt.Sprintf(`mutation { createUser(input: {username: "clerk%d", password: "clerk-password-%d", role: CLERK}) { id } }`, i, i), nil, nil)
		}
		before := c.auth.PasswordHashes()

		const attacker = "203.0.113.66"
		var (
			stop    = make(chan struct{})
			flood   sync.WaitGroup
			sent    atomic.Int64
			mu      sync.Mutex
			answers = map[string]int{}
			failed  []error
		)
		for range 128 {
			flood.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					sent.Add(1)
					r := lc.login(attacker, "x-"+rand.Text(), "guess-guess")
					mu.Lock()
					answers[r.code]++
					if r.err != nil {
						failed = append(failed, r.err)
					}
					mu.Unlock()
				}
			})
		}
		for sent.Load() < 128 {
			time.Sleep(time.Millisecond)
		}
		real := make([]loginResult, clerks)
		waitedBehind := make([]int64, clerks)
		var people sync.WaitGroup
		for i := range real {
			people.Go(func() {
				from := c.auth.PasswordHashes()
				real[i] = lc.login(fmt.Sprintf("198.51.100.%d", i+1), fmt.Sprintf("clerk%d", i), fmt.Sprintf("clerk-password-%d", i))
				waitedBehind[i] = c.auth.PasswordHashes() - from
			})
		}
		// A new password is hashed in the same queue, and never refused.
		c.ok(`mutation { createUser(input: {username: "newcomer", password: "newcomer-password", role: VIEWER}) { id } }`, nil, nil)
		people.Wait()
		close(stop)
		flood.Wait()

		floodChecks := c.auth.PasswordHashes() - before - clerks - 1
		t.Logf("flood of %d logins from one address: %d password checks, answers %v; real logins saw %v hashes each",
			sent.Load(), floodChecks, answers, waitedBehind)
		for i, r := range real {
			if r.err != nil || r.code != "" || r.token == "" {
				t.Errorf("clerk%d could not log in during the flood: %+v", i, r)
			}
		}
		if len(failed) > 0 {
			t.Errorf("%d flood requests failed outright, e.g. %v", len(failed), failed[0])
		}
		for code, n := range answers {
			if code != "UNAUTHENTICATED" && code != "TOO_MANY_ATTEMPTS" {
				t.Errorf("%d flood logins answered %q", n, code)
			}
		}
		if floodChecks > 20 || int64(answers["UNAUTHENTICATED"]) != floodChecks {
			t.Errorf("the flood got %d password checks (%d answered UNAUTHENTICATED), want at most its address's 20",
				floodChecks, answers["UNAUTHENTICATED"])
		}
	})
}

// Failed logins slow down the address they come from, never the user: the
// right password from another address gets in at once.
func TestFailedLoginsFromOneAddressDoNotBlockAnother(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		c.auth.Proxies = loopback(t)
		fixClock(c)
		lc := newLoginClient(t, c)
		const guesser, office = "203.0.113.7", "198.51.100.20"
		for range 5 {
			lc.mustGet(t, "UNAUTHENTICATED", guesser, "admin", "guess-guess")
		}
		lc.mustGet(t, "TOO_MANY_ATTEMPTS", guesser, "admin", testPassword)
		lc.mustGet(t, "", office, "admin", testPassword)

		// Spraying usernames from one address slows that address for all
		// of them, and still no one else.
		const sprayer = "203.0.113.8"
		for i := range 20 {
			lc.mustGet(t, "UNAUTHENTICATED", sprayer, fmt.Sprintf("user%d", i), "guess-guess")
		}
		lc.mustGet(t, "TOO_MANY_ATTEMPTS", sprayer, "admin", testPassword)
		lc.mustGet(t, "", office, "admin", testPassword)
	})
}

// X-Forwarded-For names the client only when the request comes from a
// trusted proxy; otherwise a guesser could claim a new address for each
// guess.
func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		fixClock(c)
		lc := newLoginClient(t, c)
		// No trusted proxies (the default): the header is ignored and every
		// guess counts against the peer's address.
		for i := range 5 {
			lc.mustGet(t, "UNAUTHENTICATED", fmt.Sprintf("198.51.100.%d", i+1), "admin", "guess-guess")
		}
		lc.mustGet(t, "TOO_MANY_ATTEMPTS", "198.51.100.99", "admin", testPassword)

		// With the peer trusted, the header's rightmost address is the
		// client's; what a client writes to the left of it does not count.
		c.auth.Proxies = loopback(t)
		lc.mustGet(t, "", "198.51.100.99", "admin", testPassword)
		for i := range 5 {
			lc.mustGet(t, "UNAUTHENTICATED", fmt.Sprintf("10.9.9.%d, 203.0.113.5", i), "admin", "guess-guess")
		}
		lc.mustGet(t, "TOO_MANY_ATTEMPTS", "10.9.9.200, 203.0.113.5", "admin", testPassword)
		lc.mustGet(t, "", "203.0.113.6", "admin", testPassword)
	})
}
