package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// labelValues returns the distinct values of a label in /metrics and the
// size of the page.
func labelValues(t *testing.T, base, label string) (map[string]bool, int) {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	values := map[string]bool{}
	for _, m := range regexp.MustCompile(`[{,]`+label+`="([^"]*)"`).FindAllSubmatch(page, -1) {
		values[string(m[1])] = true
	}
	return values, len(page)
}

// loginAdmin signs in as the ADMIN startMain creates and returns the token.
func loginAdmin(t *testing.T, base string) string {
	t.Helper()
	_, raw := postQuery(t, base, `mutation { login(username: "admin", password: "startup-password") { token } }`)
	var login struct {
		Data struct{ Login struct{ Token string } }
	}
	if err := json.Unmarshal([]byte(raw), &login); err != nil || login.Data.Login.Token == "" {
		t.Fatalf("login: %s", raw)
	}
	return login.Data.Login.Token
}

// Operation names come from clients: 20 000 made-up ones once made 340 000
// series and a 45 MB /metrics. Callers without a token are one label, and a
// signed-in caller's names are kept up to maxOperationNames.
func TestOperationLabelsAreBounded(t *testing.T) {
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(t.TempDir(), "wms.db")})
	waitReady(t, m, 10*time.Second)
	token := loginAdmin(t, base)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	send := func(token, query string) error {
		body, _ := json.Marshal(map[string]string{"query": query})
		req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errors"`)) {
			return fmt.Errorf("%d %s", res.StatusCode, b)
		}
		return nil
	}
	var (
		wg   sync.WaitGroup
		once sync.Once
		work = make(chan [2]string)
	)
	for range 8 {
		wg.Go(func() {
			for w := range work {
				if err := send(w[0], w[1]); err != nil {
					once.Do(func() { t.Errorf("%s: %v", w[1], err) })
				}
			}
		})
	}
	for i := range 20_000 {
		work <- [2]string{"", fmt.Sprintf("query Anonymous%d { __typename }", i)}
	}
	for i := range 1000 {
		work <- [2]string{token, fmt.Sprintf("query SignedIn%d { __typename }", i)}
	}
	close(work)
	wg.Wait()

	ops, size := labelValues(t, base, "operation")
	t.Logf("/metrics: %d KB, %d operation labels", size/1024, len(ops))
	if len(ops) > maxOperationNames+2 {
		t.Errorf("%d distinct operation labels; at most %d names, %q and %q were to be kept",
			len(ops), maxOperationNames, otherOp, unauthenticatedOp)
	}
	for _, want := range []string{unauthenticatedOp, otherOp, "SignedIn0"} {
		if !ops[want] {
			t.Errorf("no operation=%q in /metrics", want)
		}
	}
	for op := range ops {
		if regexp.MustCompile(`^Anonymous\d+$`).MatchString(op) {
			t.Fatalf("the name of an operation without a token is a label: %q", op)
		}
	}
	if size > 512<<10 {
		t.Errorf("/metrics is %d KB", size/1024)
	}
	if n := scrape(t, base, `wms_graphql_operations_total{operation="unauthenticated",outcome="ok"}`); n < 20_000 {
		t.Errorf("operations without a token counted: %v", n)
	}

	// Methods are labels too, and a client may send any token as one.
	for i := range 50 {
		req, _ := http.NewRequest(fmt.Sprintf("BREW%d", i), base+"/query", nil)
		if res, err := hc.Do(req); err == nil {
			res.Body.Close()
		}
	}
	methods, _ := labelValues(t, base, "method")
	for m := range methods {
		if m != methodLabel(m) {
			t.Errorf("method=%q is a label", m)
		}
	}
	if !methods[otherOp] {
		t.Errorf("made-up methods were not counted as %q: %v", otherOp, methods)
	}
}
