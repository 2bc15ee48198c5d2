package graph_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/graph"
)

// Every answer of /query, good or bad, carries nosniff.
func TestQueryAnswersAreNotSniffed(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		for name, req := range map[string]func() *http.Request{
			"POST":     func() *http.Request { return post(c, "application/json", `{"query": "{ __typename }"}`) },
			"bad JSON": func() *http.Request { return post(c, "application/json", `{"query": `) },
			"GET": func() *http.Request {
				r, _ := http.NewRequest(http.MethodGet, c.srv.URL+"?query=%7B__typename%7D", nil)
				return r
			},
			"too large": func() *http.Request {
				return post(c, "application/json", `{"query": "`+strings.Repeat("x", 2<<20)+`"}`)
			},
			"multipart": func() *http.Request { return post(c, "multipart/form-data; boundary=x", "--x--") },
			"bad header": func() *http.Request {
				r := post(c, "application/json", `{"query": "{ me { id } }"}`)
				r.Header.Set("Authorization", "Bearer nope")
				return r
			},
		} {
			res, err := http.DefaultClient.Do(req())
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s (%d): X-Content-Type-Options %q", name, res.StatusCode, got)
			}
		}
	})
}

func post(c *client, contentType, body string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, c.srv.URL, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	return r
}

// The IDE page may not be framed by any site, and runs only its own
// scripts: the bundled files from this server and its inline script,
// allowed by hash; it still loads them all (the CSP lets each through).
func TestPlaygroundPageIsLockedDown(t *testing.T) {
	page, assets := graph.Playground("/query")
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", page)
	mux.Handle("GET "+graph.PlaygroundAssetsPath, assets)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	h := res.Header
	if res.StatusCode != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", res.StatusCode, h.Get("Content-Type"))
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("X-Frame-Options %q, X-Content-Type-Options %q", h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
	}
	csp := map[string][]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		if f := strings.Fields(d); len(f) > 0 {
			csp[f[0]] = f[1:]
		}
	}
	if strings.Join(csp["frame-ancestors"], " ") != "'none'" {
		t.Errorf("frame-ancestors %v", csp["frame-ancestors"])
	}
	scriptSrc := strings.Join(csp["script-src"], " ")
	if !strings.Contains(scriptSrc, "'self'") || strings.Contains(scriptSrc, "unsafe") || strings.Contains(scriptSrc, "*") {
		t.Errorf("script-src %q", scriptSrc)
	}
	if strings.Join(csp["connect-src"], " ") != "'self'" {
		t.Errorf("connect-src %v: the IDE talks to this server only", csp["connect-src"])
	}
	script := regexp.MustCompile(`(?s)<script\b([^>]*)>(.*?)</script>`)
	inline := 0
	for _, m := range script.FindAllStringSubmatch(string(body), -1) {
		if strings.Contains(m[1], "src=") {
			continue
		}
		inline++
		sum := sha256.Sum256([]byte(m[2]))
		if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(scriptSrc, hash) {
			t.Errorf("the CSP does not allow the inline script %.80q… (%s)", m[2], hash)
		}
	}
	if inline == 0 {
		t.Error("no inline script found: the page is not the one expected")
	}
	// The same page each time.
	again, _ := http.Get(srv.URL + "/")
	b2, _ := io.ReadAll(again.Body)
	again.Body.Close()
	if string(b2) != string(body) || again.Header.Get("Content-Security-Policy") != h.Get("Content-Security-Policy") {
		t.Error("the page differs between requests")
	}
}
