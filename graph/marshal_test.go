package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// goroutineID reads the calling goroutine's id from its stack header.
func goroutineID() uint64 {
	var buf [64]byte
	s := strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine ")
	id, _ := strconv.ParseUint(s[:strings.IndexByte(s, ' ')], 10, 64)
	return id
}

// A list's elements are marshalled one after the other in the goroutine that
// resolved the list, not each in a goroutine of its own (gqlgen's
// MarshalSliceConcurrently), and an object's fields in the goroutine that
// marshals the object. Every field that runs a resolver notes the goroutine
// it runs in; a page of 200 goods must see one.
func TestListsMarshalInTheCallingGoroutine(t *testing.T) {
	ctx := context.Background()
	s := db.NewStore(dbtest.Open(t, dbtest.SQLite))
	c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if _, err := s.CreateGoods(ctx, model.GoodsInput{Name: fmt.Sprintf("goods %03d", i), CategoryID: c.ID}); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	seen := map[uint64]int{}
	fields := 0
	cfg := Config{Resolvers: &Resolver{Store: s}}
	cfg.Directives.HasRole = func(ctx context.Context, _ any, next graphql.Resolver, _ model.Role) (any, error) { return next(ctx) }
	cfg.Directives.SelfOrAdmin = func(ctx context.Context, _ any, next graphql.Resolver) (any, error) { return next(ctx) }
	srv := handler.New(NewExecutableSchema(cfg))
	srv.AddTransport(transport.POST{})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withLoaders(ctx, newLoaders(s)))
	})
	srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Object != "Query" {
			mu.Lock()
			seen[goroutineID()]++
			fields++
			mu.Unlock()
		}
		return next(ctx)
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	body, _ := json.Marshal(map[string]string{"query": `{ goodsList(first: 200) {
		nodes { id image { id } category { id name } stock { onHand } }
		edges { cursor node { name image { id } category { name } } } } }`})
	res, err := http.Post(hs.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			GoodsList struct {
				Nodes []struct{ ID string }
				Edges []struct{ Cursor string }
			}
		}
		Errors []any
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) > 0 || len(out.Data.GoodsList.Nodes) != 200 || len(out.Data.GoodsList.Edges) != 200 {
		t.Fatalf("the page: %d nodes, %d edges, errors %v", len(out.Data.GoodsList.Nodes), len(out.Data.GoodsList.Edges), out.Errors)
	}
	// Goods.image has a resolver: it runs for each goods of nodes and of
	// edges. (Plain fields, read straight from their object, run no resolver.)
	if fields < 400 {
		t.Fatalf("only %d field resolvers ran: the query does not exercise the lists", fields)
	}
	if len(seen) > 1 {
		t.Errorf("%d field resolvers ran in %d goroutines; a list's elements and an object's fields must be marshalled in the goroutine of the list", fields, len(seen))
	}
}

// Strings and booleans written straight from their objects come out as
// gqlgen's own marshallers write them.
func TestStringAndBooleanValuesWriteAsGqlgenDoes(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tcr\rlf\n", "\x00\x01\x1f\x7f",
		"<a href='x'>&amp;</a>", "中文 émoji 🍅", "line\u2028sep", "bad \xff\xfe utf-8", strings.Repeat("x", 300)} {
		var want, got bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		v := stringValue(s)
		(&v).MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("%q: wrote %s, gqlgen writes %s", s, got.String(), want.String())
		}
	}
	for _, b := range []bool{true, false} {
		var want, got bytes.Buffer
		graphql.MarshalBoolean(b).MarshalGQL(&want)
		boolValue(b).MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("%v: wrote %s, gqlgen writes %s", b, got.String(), want.String())
		}
	}
}
