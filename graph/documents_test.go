package graph_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/graph"
)

// The memory tests measure the live heap after a collection, before and
// after an attack. The store plays no part (they send no query that reaches
// it), so they run on SQLite only.

// liveHeap is the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC() // the second also empties what sync.Pools kept through the first
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

const mib = 1 << 20

// aliasQuery is a valid query of about size bytes, different for each seed:
// a field under many aliases, about the most a document of its size costs to
// parse and keep.
func aliasQuery(seed, size int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; b.Len() < size-20; i++ {
		fmt.Fprintf(&b, " q%d_%d: __typename", seed, i)
	}
	b.WriteString(" }")
	return b.String()
}

// unrunnableQuery is aliasQuery needing a variable $v: sent without it, the
// document is parsed and validated (and used to be remembered), then refused
// before it runs, so an attack of many costs the test little time (running
// thousands of aliases costs gqlgen time in the square of their number).
func unrunnableQuery(seed, size int) string {
	return "query($v: Boolean!) { v: __typename @include(if: $v) " + aliasQuery(seed, size-50)[1:]
}

// refusedForTheVariable reports whether r is the answer to unrunnableQuery.
func refusedForTheVariable(r response) bool {
	return len(r.Errors) == 1 && strings.Contains(r.Errors[0].Message, "must be defined") && r.Status < 500
}

// paddedQuery is a query of exactly size bytes, nearly all of it a comment.
func paddedQuery(seed, size int) string {
	head := fmt.Sprintf("# %d ", seed)
	tail := "\n{ __typename }"
	return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
}

// withHash is a request body registering query as a persisted query.
func withHash(query string) map[string]any {
	sum := sha256.Sum256([]byte(query))
	return map[string]any{"query": query, "extensions": map[string]any{
		"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}}
}

func hashOnly(query string) map[string]any {
	body := withHash(query)
	delete(body, "query")
	return body
}

// Callers without a token cannot make the server keep what they send: 1 000
// distinct 60 KB queries once took a server from 35 MB to 2.5 GB, and 300
// comment-padded 900 KB queries sent as persisted queries to 791 MB more.
func TestAnonymousQueriesLeaveNothingBehind(t *testing.T) {
	s := db.NewStore(dbtest.Open(t, dbtest.SQLite))
	c := newClient(t, s)
	anon := c.as("")
	for i := range 20 { // warm up: connections, pools, first-use allocations
		anon.post(unrunnableQuery(-i, 1000), nil)
		anon.postBody(withHash(paddedQuery(-i, 1000)))
	}
	start := liveHeap()

	for i := range 1000 {
		if r := anon.post(unrunnableQuery(i, 60_000), nil); !refusedForTheVariable(r) {
			t.Fatalf("a 60 KB query without a token: %d %.300s", r.Status, r.Raw)
		}
	}
	afterQueries := liveHeap()
	t.Logf("live heap %.1f MB → %.1f MB after 1 000 distinct 60 KB queries without a token",
		float64(start)/mib, float64(afterQueries)/mib)
	if grew := int64(afterQueries) - int64(start); grew > 4*mib {
		t.Errorf("1 000 distinct 60 KB queries without a token left %.1f MB more live heap", float64(grew)/mib)
	}

	for i := range 300 {
		q := paddedQuery(i, 60_000)
		if r := anon.postBody(withHash(q)); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("a 60 KB persisted query without a token: %d %.300s", r.Status, r.Raw)
		}
		// Served, but not remembered: the hash alone is unknown afterwards.
		if r := anon.postBody(hashOnly(q)); len(r.Errors) == 0 || r.Errors[0].Message != "PersistedQueryNotFound" {
			t.Fatalf("a persisted query registered without a token was kept: %.300s", r.Raw)
		}
	}
	for i := range 300 {
		r := anon.postBody(withHash(paddedQuery(i, 900_000)))
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != graph.CodeQueryTooLarge {
			t.Fatalf("a 900 KB persisted query: %d %.300s", r.Status, r.Raw)
		}
	}
	afterPersisted := liveHeap()
	t.Logf("live heap %.1f MB after 300 comment-padded 60 KB and 300 of 900 KB persisted queries without a token",
		float64(afterPersisted)/mib)
	if grew := int64(afterPersisted) - int64(start); grew > 4*mib {
		t.Errorf("persisted queries without a token left %.1f MB more live heap", float64(grew)/mib)
	}
}

// A signed-in client may fill the caches, but only up to their budgets in
// bytes, however large and many its documents.
func TestDocumentCachesAreBoundedInBytes(t *testing.T) {
	s := db.NewStore(dbtest.Open(t, dbtest.SQLite))
	o := graph.DefaultOptions
	o.QueryCacheBytes = 8 * mib
	o.PersistedQueryCacheBytes = 2 * mib
	c := newClientWith(t, s, o)
	for i := range 20 {
		c.post(unrunnableQuery(-i, 1000), nil)
		c.postBody(withHash(paddedQuery(-i, 1000)))
	}
	start := liveHeap()
	for i := range 300 {
		if r := c.post(unrunnableQuery(i, 60_000), nil); !refusedForTheVariable(r) {
			t.Fatalf("a 60 KB query: %d %.300s", r.Status, r.Raw)
		}
		if r := c.postBody(withHash(paddedQuery(i, 60_000))); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("a 60 KB persisted query: %d %.300s", r.Status, r.Raw)
		}
	}
	end := liveHeap()
	t.Logf("live heap %.1f MB → %.1f MB after 300 distinct 60 KB queries and 300 persisted ones (budgets 8 + 2 MB)",
		float64(start)/mib, float64(end)/mib)
	if grew := int64(end) - int64(start); grew > 10*mib+4*mib {
		t.Errorf("the caches grew the live heap by %.1f MB, over their budgets of 10 MB", float64(grew)/mib)
	}
	// The newest are still there for the hash alone, for anyone.
	last := paddedQuery(299, 60_000)
	if r := c.as("").postBody(hashOnly(last)); len(r.Errors) > 0 {
		t.Errorf("the last persisted query was forgotten: %.300s", r.Raw)
	}
}

// A document over MaxQueryBytes is refused with QUERY_TOO_LARGE before it is
// parsed, whichever way it comes; one at the limit is served.
func TestOversizeDocumentsAreRefused(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		o := graph.DefaultOptions
		o.MaxQueryBytes = 4096
		c := newClientWith(t, s, o)
		atLimit, over := aliasQuery(1, 4096), aliasQuery(2, 4200)
		for len(atLimit) < 4096 {
			atLimit = atLimit[:len(atLimit)-1] + " }"
			atLimit = strings.Replace(atLimit, "{", "{ ", 1)
		}
		if len(atLimit) != 4096 || len(over) <= 4096 {
			t.Fatalf("test documents of %d and %d bytes", len(atLimit), len(over))
		}
		refused := func(how string, r response) {
			t.Helper()
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != graph.CodeQueryTooLarge ||
				!strings.Contains(r.Errors[0].Message, "at most 4096") || r.Status != http.StatusOK || r.Data != nil {
				t.Errorf("%s: a document over the limit: %d %.300s", how, r.Status, r.Raw)
			}
		}
		if r := c.post(atLimit, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("a document at the limit: %d %.300s", r.Status, r.Raw)
		}
		refused("POST", c.post(over, nil))
		refused("POST without a token", c.as("").post(over, nil))
		refused("GET", c.get("?"+url.Values{"query": {over}}.Encode()))
		refused("persisted query", c.postBody(withHash(over)))

		var form bytes.Buffer
		w := multipart.NewWriter(&form)
		_ = w.WriteField("operations", fmt.Sprintf(`{"query": %q, "variables": {}}`, over))
		_ = w.WriteField("map", `{}`)
		_ = w.Close()
		refused("multipart", c.send(http.MethodPost, w.FormDataContentType(), &form, http.Header{"Apollo-Require-Preflight": {"true"}}))
	})
}
