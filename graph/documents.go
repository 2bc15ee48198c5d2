package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"wms/auth"
)

// What the server remembers of the documents clients send is bounded in
// bytes, and only callers with a token add to it: before, 1 000 distinct
// 65 KB queries from callers without one filled two caches bounded only by
// their number of entries, and the process grew to 2.5 GB.

// CodeQueryTooLarge is the extensions.code of a query document over
// Options.MaxQueryBytes.
const CodeQueryTooLarge = "QUERY_TOO_LARGE"

func init() {
	// A protocol error, like a document that does not parse: gqlgen answers
	// it with HTTP 422 (400 to graphql-response+json clients).
	errcode.RegisterErrorType(CodeQueryTooLarge, errcode.KindProtocol)
}

// astBytesPerQueryByte is what a parsed and validated document holds per byte
// of its text. Measured with gqlparser v2.5 on documents of 60 KB: 16× for
// fragments, 19–20× for aliased fields, 24× for nested selections, 26–29×
// for the densest ones (`a1:me{id}`, one field per variable); comments cost
// nothing once parsed. The largest, rounded up, so the cache never holds
// more than its budget whatever the document's shape.
const astBytesPerQueryByte = 32

// cacheEntryBytes is the bookkeeping of one entry (list element, map slot).
const cacheEntryBytes = 200

// useDocumentLimits caps the size of a query document and gives the
// executor its parsed-document cache and the persisted-query extension, both
// bounded in bytes. The size limit is applied before the persisted-query
// extension so a document too large is never remembered.
func useDocumentLimits(srv interface {
	Use(graphql.HandlerExtension)
	SetQueryCache(graphql.Cache[*ast.QueryDocument])
}, o Options) {
	srv.SetQueryCache(newSizedCache(o.QueryCacheBytes, func(query string, _ *ast.QueryDocument) int64 {
		return int64(len(query))*(1+astBytesPerQueryByte) + cacheEntryBytes
	}))
	srv.Use(querySizeLimit{max: o.MaxQueryBytes})
	srv.Use(extension.AutomaticPersistedQuery{Cache: newSizedCache(o.PersistedQueryCacheBytes, func(hash, query string) int64 {
		return int64(len(hash)+len(query)) + cacheEntryBytes
	})})
}

// querySizeLimit refuses a query document longer than max bytes before it is
// parsed or remembered, whichever way it came: a JSON body, a GET parameter,
// the operations field of a multipart request, or a persisted-query
// registration.
type querySizeLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = querySizeLimit{}

func (querySizeLimit) ExtensionName() string                   { return "QuerySizeLimit" }
func (querySizeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l querySizeLimit) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if l.max <= 0 || len(p.Query) <= l.max {
		return nil
	}
	err := gqlerror.Errorf("the query document is %d bytes; this server accepts at most %d", len(p.Query), l.max)
	errcode.Set(err, CodeQueryTooLarge)
	return err
}

// sizedCache is a least-recently-used cache (gqlgen's graphql.Cache) bounded
// by the bytes its entries are estimated to hold rather than by their count.
// Only callers with a token add to it; anyone may read from it.
type sizedCache[T any] struct {
	mu     sync.Mutex
	lru    *simplelru.LRU[string, T]
	weigh  func(key string, value T) int64
	budget int64
	used   int64
}

var _ graphql.Cache[string] = (*sizedCache[string])(nil)

// maxCacheEntries only keeps the bookkeeping finite; the byte budget is the
// real bound.
const maxCacheEntries = 1 << 16

// newSizedCache returns a cache that holds at most budget bytes as weigh
// counts them.
func newSizedCache[T any](budget int64, weigh func(key string, value T) int64) *sizedCache[T] {
	c := &sizedCache[T]{weigh: weigh, budget: budget}
	l, err := simplelru.NewLRU(maxCacheEntries, func(key string, value T) { c.used -= c.weigh(key, value) })
	if err != nil {
		panic(fmt.Sprintf("graph: document cache: %v", err)) // only for a size < 1
	}
	c.lru = l
	return c
}

// Get looks a key up, for any caller.
func (c *sizedCache[T]) Get(_ context.Context, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Get(key)
}

// Add remembers a value when the caller has a token, evicting the least
// recently used entries until the cache is within its budget. An entry
// larger than the whole budget is not kept.
func (c *sizedCache[T]) Add(ctx context.Context, key string, value T) {
	if auth.CallerFrom(ctx) == nil {
		return
	}
	w := c.weigh(key, value)
	if w > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key) // a value replaced is weighed out by the eviction callback
	c.lru.Add(key, value)
	c.used += w
	for c.used > c.budget {
		c.lru.RemoveOldest()
	}
}

// size is the estimated bytes held and the number of entries.
func (c *sizedCache[T]) size() (int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, c.lru.Len()
}
