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

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"

	"wms/db"
	"wms/graph"
)

// client sends GraphQL documents over HTTP the way a client does.
type client struct {
	t   *testing.T
	srv *httptest.Server
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
}

func newClient(t *testing.T, s *db.Store) *client {
	return newClientWith(t, s, graph.DefaultOptions)
}

func newClientWith(t *testing.T, s *db.Store, o graph.Options) *client {
	t.Helper()
	h := graph.NewHandler(&graph.Resolver{Store: s, Log: zerolog.Nop()}, o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv}
}

// post sends a query with variables and decodes the answer.
func (c *client) post(query string, vars map[string]any) response {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.send(http.MethodPost, "application/json", bytes.NewReader(body), nil)
}

func (c *client) send(method, contentType string, body io.Reader, header http.Header) response {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r response
	_ = json.Unmarshal(raw, &r)
	r.Raw, r.Status = string(raw), res.StatusCode
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
