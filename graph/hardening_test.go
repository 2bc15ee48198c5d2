package graph_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/graph"
)

func TestHardeningLimits(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		o := graph.DefaultOptions
		o.TokenLimit = 500
		o.MaxBodyBytes = 64 << 10
		c := newClientWith(t, s, o)

		// Too expensive: documents within documents within documents.
		e := c.fail(`{ stockIns(first: 200) { nodes { lines { allocations: lot { stockIn { lines { goods { name }
			lot { stockIn { lines { goods { name } } } } } } } } } } }`, nil, "TOO_COMPLEX")
		if !strings.Contains(e.Message, "complexity") {
			t.Errorf("TOO_COMPLEX message %q", e.Message)
		}
		// Too many tokens: refused by the parser's token limit, while the same
		// document under the limit is answered.
		r := c.post("{ "+strings.Repeat("__typename ", 600)+"}", nil)
		if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "GRAPHQL_PARSE_FAILED" ||
			!strings.Contains(r.Errors[0].Message, "token limit of 500") || r.Data != nil {
			t.Errorf("600 tokens over a limit of 500: %d %s", r.Status, r.Raw)
		}
		if r := c.post("{ "+strings.Repeat("__typename ", 450)+"}", nil); r.Status != http.StatusOK || len(r.Errors) > 0 ||
			!strings.Contains(string(r.Data), `"__typename":"Query"`) {
			t.Errorf("450 tokens under a limit of 500: %d %.300s", r.Status, r.Raw)
		}
		// A body over the limit, declared: 413 before reading it.
		big := `{"query": "{ __typename }", "variables": {"pad": "` + strings.Repeat("x", 70<<10) + `"}}`
		r = c.send(http.MethodPost, "application/json", strings.NewReader(big), nil)
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("large declared body: %d %s", r.Status, r.Raw)
		}
		// Undeclared (chunked): cut off at the limit, refused, never a 200 or a 500.
		r = c.send(http.MethodPost, "application/json", io.MultiReader(strings.NewReader(big)), nil)
		if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Raw, "too large") {
			t.Errorf("large chunked body: %d %s", r.Status, r.Raw)
		}
		// GET serves queries only.
		q := url.Values{"query": {`mutation { createCategory(input: {name: "via GET"}) { id } }`}}
		r = c.get("?" + q.Encode())
		if len(r.Errors) == 0 || r.Status == http.StatusOK && !strings.Contains(r.Raw, "errors") {
			t.Errorf("mutation over GET: %d %s", r.Status, r.Raw)
		}
		var cats struct{ Categories struct{ TotalCount int } }
		c.ok(`{ categories { totalCount } }`, nil, &cats)
		if cats.Categories.TotalCount != 0 {
			t.Errorf("a mutation over GET created %d categories", cats.Categories.TotalCount)
		}
		if r = c.get("?" + url.Values{"query": {`{ categories { totalCount } }`}}.Encode()); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("query over GET: %d %s", r.Status, r.Raw)
		}
	})
}

func TestMultipartNeedsAPreflightHeader(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		form := func() (string, io.Reader) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			_ = w.WriteField("operations", `{"query": "{ __typename }", "variables": {}}`)
			_ = w.WriteField("map", `{}`)
			_ = w.Close()
			return w.FormDataContentType(), &b
		}
		ct, body := form()
		r := c.send(http.MethodPost, ct, body, nil)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Raw, "Apollo-Require-Preflight") {
			t.Errorf("multipart without a preflight header: %d %s", r.Status, r.Raw)
		}
		for _, h := range []string{"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "GraphQL-Require-Preflight"} {
			ct, body := form()
			r := c.send(http.MethodPost, ct, body, http.Header{h: {"true"}})
			if r.Status != http.StatusOK || !strings.Contains(r.Raw, `"__typename":"Query"`) {
				t.Errorf("multipart with %s: %d %s", h, r.Status, r.Raw)
			}
		}
	})
}

func TestAutomaticPersistedQueries(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		query := `{ categories { totalCount } }`
		sum := sha256.Sum256([]byte(query))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		send := func(withQuery bool) response {
			body := map[string]any{"extensions": ext}
			if withQuery {
				body["query"] = query
			}
			return c.postBody(body)
		}
		if r := send(false); len(r.Errors) == 0 || r.Errors[0].Message != "PersistedQueryNotFound" {
			t.Errorf("unknown hash: %s", r.Raw)
		}
		if r := send(true); len(r.Errors) > 0 {
			t.Errorf("hash with query: %s", r.Raw)
		}
		if r := send(false); len(r.Errors) > 0 || !strings.Contains(r.Raw, "totalCount") {
			t.Errorf("known hash alone: %s", r.Raw)
		}
	})
}

func TestIntrospectionCanBeSwitchedOff(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		o := graph.DefaultOptions
		o.Introspection = false
		c := newClientWith(t, s, o)
		if r := c.post(`{ __schema { queryType { name } } }`, nil); len(r.Errors) == 0 {
			t.Errorf("introspection answered while off: %s", r.Raw)
		}
	})
}

// A database that fails under a request: the client learns only "internal
// error" with code INTERNAL, never what the database said.
func TestDatabaseFailuresLeakNothing(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		anon := c.as("")
		if err := s.DB().Close(); err != nil {
			t.Fatal(err)
		}
		for _, r := range []response{
			c.post(`{ goodsList { nodes { name } } }`, nil),
			anon.post(`mutation { login(username: "admin", password: "whatever-it-is") { token } }`, nil),
		} {
			if !strings.Contains(r.Raw, `"code":"INTERNAL"`) || !strings.Contains(r.Raw, "internal error") {
				t.Errorf("closed database: %d %s", r.Status, r.Raw)
			}
			for _, leak := range []string{"sql", "closed", "SELECT", ".go:", "goroutine"} {
				if strings.Contains(r.Raw, leak) {
					t.Errorf("answer leaks %q: %s", leak, r.Raw)
				}
			}
		}
	})
}
