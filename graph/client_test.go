package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"time"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"

	"wms/auth"
	"wms/db"
	"wms/graph"
)

// client sends GraphQL documents over HTTP the way a client does.
type client struct {
	t   *testing.T
	srv *httptest.Server
	// token is sent as Authorization: Bearer; empty sends none.
	token string
	auth  *auth.Service
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	Raw    string          `json:"-"`
	Status int             `json:"-"`
	Header http.Header     `json:"-"`
}

func newClient(t *testing.T, s *db.Store) *client {
	return newClientWith(t, s, graph.DefaultOptions)
}

// newClientWith serves the API over s and signs in as an ADMIN.
func newClientWith(t *testing.T, s *db.Store, o graph.Options) *client {
	t.Helper()
	a := auth.NewService(s, 7*24*time.Hour, zerolog.Nop())
	// Every request looks its token up, so statement counts do not depend
	// on timing (the cache has tests of its own).
	a.CacheTTL = 0
	h := graph.NewHandler(&graph.Resolver{Store: s, Auth: a, Log: zerolog.Nop()}, o)
	c := newClientFor(t, h)
	c.auth = a
	if _, _, err := a.Bootstrap(context.Background(), "admin", testPassword); err != nil {
		t.Fatal(err)
	}
	c.token = c.login("admin", testPassword)
	return c
}

const testPassword = "correct horse battery"

// newClientFor serves h and returns a client without a token. What the
// server logs at warning level or above (an internal error's cause, say)
// goes to the test's log.
func newClientFor(t *testing.T, h http.Handler) *client {
	log := zerolog.New(zerolog.ConsoleWriter{Out: testLog{t}, NoColor: true}).Level(zerolog.WarnLevel)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(log.WithContext(r.Context())))
	}))
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv}
}

// testLog writes to a test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// login signs in and returns the session token.
func (c *client) login(username, password string) string {
	c.t.Helper()
	var out struct{ Login struct{ Token string } }
	saved := c.token
	c.token = ""
	c.ok(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
		map[string]any{"u": username, "p": password}, &out)
	c.token = saved
	return out.Login.Token
}

// as returns a client that sends token instead.
func (c *client) as(token string) *client {
	d := *c
	d.token = token
	return &d
}

// post sends a query with variables and decodes the answer.
func (c *client) post(query string, vars map[string]any) response {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.send(http.MethodPost, "application/json", bytes.NewReader(body), nil)
}

// postBody sends any JSON body.
func (c *client) postBody(body map[string]any) response {
	c.t.Helper()
	b, _ := json.Marshal(body)
	return c.send(http.MethodPost, "application/json", bytes.NewReader(b), nil)
}

// get sends a GET to the endpoint with a query string.
func (c *client) get(query string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+query, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.do(req)
}

func (c *client) send(method, contentType string, body io.Reader, header http.Header) response {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return c.do(req)
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r response
	_ = json.Unmarshal(raw, &r)
	r.Raw, r.Status, r.Header = string(raw), res.StatusCode, res.Header
	return r
}

// ok sends a query that must succeed and decodes its data into out.
func (c *client) ok(query string, vars map[string]any, out any) {
	c.t.Helper()
	r := c.post(query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		c.t.Fatalf("%s\n→ %d %s", query, r.Status, r.Raw)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			c.t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}

// fail sends a query that must fail with code, and returns its first error.
func (c *client) fail(query string, vars map[string]any, code string) gqlError {
	c.t.Helper()
	r := c.post(query, vars)
	if len(r.Errors) == 0 {
		c.t.Fatalf("%s\n→ no error, want %s: %s", query, code, r.Raw)
	}
	if got := r.Errors[0].Extensions["code"]; got != code {
		c.t.Fatalf("%s\n→ code %v, want %s: %s", query, got, code, r.Raw)
	}
	return r.Errors[0]
}

// statementCounter counts the SQL statements a Bun handle runs.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *statementCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if !strings.HasPrefix(e.Query, "BEGIN") {
		c.n.Add(1)
	}
}
