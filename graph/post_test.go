package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

const postTestPassword = "correct horse battery"

// gqlgenPOST is how wms took JSON POSTs before postJSON: a body that is not
// a GraphQL request answered 400 BAD_REQUEST, any other handed to gqlgen's
// transport.POST.
type gqlgenPOST struct{ transport.POST }

func (p gqlgenPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeBadRequest(w, "cannot read the request body")
		return
	}
	if msg := graphQLRequestProblem(body); msg != "" {
		writeBadRequest(w, msg)
		return
	}
	// Where postJSON differs on purpose: a request without a query.
	params := &graphql.RawParams{}
	_ = json.Unmarshal(body, params)
	if msg := missingQuery(params); msg != "" {
		writeBadRequest(w, msg)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.POST.Do(w, r, exec)
}

// postJSON answers every JSON POST with the status, headers and bytes wms
// answered it with through gqlgen's transport.POST: data with every scalar
// and with characters json.Marshal escapes, errors beside data, variables,
// operation names, refused documents under either response media type,
// limits, persisted queries and bodies that are no GraphQL request.
func TestPostJSONAnswersAsGqlgenPOST(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		ctx := context.Background()
		s := db.NewStore(bdb)
		cat, err := s.CreateCategory(ctx, model.CategoryInput{Name: `Spices & <herbs>`})
		if err != nil {
			t.Fatal(err)
		}
		var goodsIDs []int64
		for i, name := range []string{`Salt & "pepper" <b>`, "tea\u2028leaf\u2029cup", "čaj 茶 \\ back/slash", "plain"} {
			threshold := model.MustQuantity(fmt.Sprintf("%d.125", i))
			g, err := s.CreateGoods(ctx, model.GoodsInput{Name: name, CategoryID: cat.ID, LowStockThreshold: &threshold})
			if err != nil {
				t.Fatal(err)
			}
			goodsIDs = append(goodsIDs, g.ID)
			if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{
				{GoodsID: g.ID, Quantity: model.MustQuantity("12.5"), UnitCost: model.MustUnitCost("0.3333")}}}); err != nil {
				t.Fatal(err)
			}
		}
		x := dbtest.WriteExtremes(t, bdb)
		dbtest.WriteUnreadable(t, bdb, x)

		a := auth.NewService(s, time.Hour, zerolog.Nop())
		if _, _, err := a.Bootstrap(ctx, "admin", postTestPassword); err != nil {
			t.Fatal(err)
		}
		token, _, err := a.Login(ctx, "admin", postTestPassword)
		if err != nil {
			t.Fatal(err)
		}
		o := DefaultOptions
		o.MaxQueryBytes = 4 << 10
		r := &Resolver{Store: s, Auth: a, Log: zerolog.Nop()}
		ours, theirs := newHandler(r, o, postJSON{}), newHandler(r, o, gqlgenPOST{})

		query := func(q string) string { b, _ := json.Marshal(map[string]any{"query": q}); return string(b) }
		withVars := func(q string, vars map[string]any) string {
			b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
			return string(b)
		}
		named := func(q, name string) string {
			b, _ := json.Marshal(map[string]any{"query": q, "operationName": name})
			return string(b)
		}
		padded := "# " + strings.Repeat("x", 5000) + "\n{ __typename }"
		persisted := `{ categories { nodes { id name } } }`
		sum := sha256.Sum256([]byte(persisted))
		hash := hex.EncodeToString(sum[:])
		apq := func(q, hash string) string {
			body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
			if q != "" {
				body["query"] = q
			}
			b, _ := json.Marshal(body)
			return string(b)
		}
		const twoOps = `query A { me { id } } query B { __typename }`
		goodsPage := `query($category: ID) { goodsList(first: 200, categoryId: $category, includeArchived: true) { totalCount
			nodes { id name unit sku barcode note lowStockThreshold archived createdAt updatedAt category { id name }
			stock { onHand value averageCost low } } pageInfo { endCursor hasNextPage } } }`
		ourGoods := map[string]any{"category": cat.ID}

		for _, c := range []struct {
			name, body, accept string
			anonymous          bool
		}{
			{name: "me", body: query(`{ me { id username role } }`)},
			{name: "goods page", body: withVars(goodsPage, ourGoods)},
			{name: "goods page, graphql-response+json", body: withVars(goodsPage, ourGoods), accept: "application/graphql-response+json"},
			{name: "goods page with unreadable numbers", body: query(goodsPage)},
			{name: "stock with unreadable numbers", body: query(`{ stock(first: 200) { totalCount nodes { onHand value averageCost low goods { id name } } } }`)},
			{name: "ledger", body: query(`{ ledger(first: 200) { nodes { id at direction quantity unitCost amount documentCode } } }`)},
			{name: "lots", body: query(fmt.Sprintf(`{ lots(goodsId: %d) { nodes { id receivedQuantity remaining unitCost receivedAt } } }`, goodsIDs[0]))},
			{name: "introspection", body: query(`{ __schema { types { name description fields { name description } } directives { name description } } }`)},
			{name: "variables", body: withVars(`query($id: ID!) { goods(id: $id) { id name lowStockThreshold } }`, map[string]any{"id": fmt.Sprint(goodsIDs[1])})},
			{name: "variable as a number", body: fmt.Sprintf(`{"query": "query($id: ID!) { goods(id: $id) { name } }", "variables": {"id": %d}}`, goodsIDs[2])},
			{name: "variable of the wrong type", body: withVars(`query($id: ID!) { goods(id: $id) { name } }`, map[string]any{"id": true})},
			{name: "variable missing", body: query(`query($id: ID!) { goods(id: $id) { name } }`)},
			{name: "operationName", body: named(twoOps, "B")},
			{name: "unknown operationName", body: named(twoOps, "C")},
			{name: "two operations without a name", body: query(twoOps)},
			{name: "not found", body: query(`{ goods(id: 999999) { name } }`)},
			{name: "invalid input", body: query(`mutation { createCategory(input: {name: ""}) { id } }`)},
			{name: "anonymous", body: query(`{ categories { nodes { name } } }`), anonymous: true},
			{name: "syntax error", body: query(`{ me { `)},
			{name: "syntax error, graphql-response+json", body: query(`{ me { `), accept: "application/graphql-response+json"},
			{name: "unknown field", body: query(`{ nope }`)},
			{name: "unknown field, accept anything", body: query(`{ nope }`), accept: "*/*"},
			{name: "unknown field, accept text/html", body: query(`{ nope }`), accept: "text/html"},
			{name: "unknown field, graphql-response+json first", body: query(`{ nope }`), accept: "application/graphql-response+json, application/json;q=0.9"},
			{name: "unknown field, bad accept", body: query(`{ nope }`), accept: ";;, application/json"},
			{name: "too complex", body: query(`{ stockIns(first: 200) { nodes { lines { allocations: lot { stockIn { lines { goods { name }
				lot { stockIn { lines { goods { name } } } } } } } } } } }`)},
			{name: "query too large", body: query(padded)},
			{name: "no query", body: `{}`},
			{name: "null", body: `null`},
			{name: "query null, variables null", body: `{"query": null, "variables": null}`},
			{name: "persisted query not yet known", body: apq("", hash)},
			{name: "persisted query registered", body: apq(persisted, hash)},
			{name: "persisted query by hash", body: apq("", hash)},
			{name: "persisted query with a wrong hash", body: apq(`{ __typename }`, hash)},
			{name: "truncated", body: `{"query": "{ me { id } }"`},
			{name: "not JSON", body: `query={ me { id } }`},
			{name: "array", body: `[{"query": "{ __typename }"}]`},
			{name: "query not string", body: `{"query": {"q": 1}}`},
			{name: "variables list", body: `{"query": "{ __typename }", "variables": [1]}`},
			{name: "extensions string", body: `{"query": "{ __typename }", "extensions": "x"}`},
			{name: "name not string", body: `{"query": "{ __typename }", "operationName": 7}`},
			{name: "trailing garbage", body: `{"query": "{ __typename }"} x`},
			{name: "trailing space", body: "{\"query\": \"{ __typename }\"} \r\n\t"},
			{name: "empty", body: ``},
		} {
			var got, want *httptest.ResponseRecorder
			for _, h := range []struct {
				handler http.Handler
				rec     **httptest.ResponseRecorder
			}{{ours, &got}, {theirs, &want}} {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				if c.accept != "" {
					req.Header.Set("Accept", c.accept)
				}
				if !c.anonymous {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				*h.rec = httptest.NewRecorder()
				h.handler.ServeHTTP(*h.rec, req)
			}
			refusedLikeGraphQLOverHTTP(want)
			if got.Code != want.Code || !equalHeaders(got.Header(), want.Header()) || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("%s:\n got %d %v %s\nwant %d %v %s", c.name, got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
			}
		}
	})
}

// refusedLikeGraphQLOverHTTP turns transport.POST's answer to an operation
// refused before it ran into what GraphQL over HTTP recommends, where
// postJSON differs on purpose: no "data" entry, and in application/json 200
// rather than 422.
func refusedLikeGraphQLOverHTTP(rec *httptest.ResponseRecorder) {
	body := rec.Body.Bytes()
	var resp struct {
		Errors []struct{ Path []any }
	}
	if !bytes.HasPrefix(body, []byte(`{"errors":`)) || !bytes.HasSuffix(body, []byte(`,"data":null}`)) ||
		json.Unmarshal(body, &resp) != nil {
		return
	}
	for _, e := range resp.Errors {
		if len(e.Path) > 0 && e.Path[0] != "variable" {
			return // an error of a field that ran: the operation was executed
		}
	}
	trimmed := append(bytes.TrimSuffix(body, []byte(`,"data":null}`)), '}')
	rec.Body = bytes.NewBuffer(append(trimmed, '\n'))
	if rec.Header().Get("Content-Type") == "application/json" && rec.Code == http.StatusUnprocessableEntity {
		rec.Code = http.StatusOK
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}

// A response is written as json.Marshal writes it, whatever it holds.
func TestAppendResponseWritesWhatJSONMarshalWrites(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		nil,
		{},
		{Data: json.RawMessage(`null`)},
		{Data: json.RawMessage(`{"a":"<b>&amp;</b>","c":"x\u2028y\u2029z\u2027\u202a","d":"\u00e2\u0080"}`)},
		{Data: json.RawMessage("{\"s\":\"\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa\xe2\x80\",\"t\":\"\xe2\"}")},
		{Data: json.RawMessage(`{"n":[1,2.5,-3e10,true,false,null],"e":{},"l":[]}`)},
		{Data: json.RawMessage(`{"q":"\"\\<\\u003c"}`)},
		{Data: json.RawMessage(`{"a":1}`), Errors: gqlerror.List{{Message: "<no>", Path: ast.Path{ast.PathName("a"), ast.PathIndex(0)},
			Extensions: map[string]any{"code": "INTERNAL"}}}},
		{Errors: gqlerror.List{{Message: "only errors"}}},
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		{Data: json.RawMessage(`{"a":1}`), Label: "l", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		appendResponse(&buf, resp)
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("got  %s\nwant %s", buf.Bytes(), want)
		}
	}
}

// A body that graphQLRequestProblem refuses does not decode, with its
// message; one that decodes decodes as transport.POST decodes it. (A body
// can pass the check and still not decode: a field given twice, first of
// the wrong kind. It is refused too, where transport.POST refused it with
// an echo of the body.)
func FuzzDecodeGraphQLRequest(f *testing.F) {
	for _, body := range []string{
		`{"query": "{ me { id } }", "operationName": "A", "variables": {"n": 1.50, "s": "x", "l": [1, {"a": null}]}, "extensions": {"e": 1e400}}`,
		`{"query": null, "operationName": null, "variables": null, "extensions": null}`,
		`{"QUERY": "{ __typename }", "other": [1, 2]}`,
		`{"query": "{ __typename }"}` + " \n\t\r",
		`{"query": "{ __typename }"} x`,
		`{"query": "{ __typename }"}{}`,
		`{"query": "{ __typename }"}` + "\v",
		`null`, ` `, ``, "\v", `[]`, `"query"`, `1`, `{`, `{"query": 1}`, `{"variables": []}`, `{"variables": 1}`,
		`{"extensions": "x"}`, `{"operationName": false}`, `{"query": "\ud800"}`, "{\"query\": \"\xff\"}",
		`{"variables": {"a": 1}, "variables": [1]}`, `{"query": "a", "query": 2}`,
		`{"variables": [1], "variables": {"a": 1}}`, `{"query": 1, "query": "x"}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var params graphql.RawParams
		msg := decodeGraphQLRequest(body, &params)
		problem := graphQLRequestProblem(body)
		if problem != "" && msg != problem {
			t.Fatalf("%q: decoding says %q, the check %q", body, msg, problem)
		}
		if msg != "" {
			return
		}
		var want graphql.RawParams
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("%q: decoded here, but not by transport.POST's decoding: %v", body, err)
		}
		if g, w := fmt.Sprintf("%#v", params), fmt.Sprintf("%#v", want); g != w {
			t.Fatalf("%q: decoded as\n%s\nwant\n%s", body, g, w)
		}
	})
}

// limitBody hands the body it read to postJSON as it is: what is left of
// it, without another copy.
func TestRequestBodyTakesTheBytesLimitBodyRead(t *testing.T) {
	body := []byte(`{"query": "{ __typename }"}`)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body = newReadBody(body)
	got, err := requestBody(r)
	if err != nil || !bytes.Equal(got, body) || &got[0] != &body[0] {
		t.Fatalf("got %q, %v; want the same bytes, not a copy", got, err)
	}
	if rest, _ := io.ReadAll(r.Body); len(rest) != 0 {
		t.Errorf("the body still reads %q", rest)
	}

	r.Body = newReadBody(body)
	head := make([]byte, 5)
	_, _ = io.ReadFull(r.Body, head)
	if got, _ := requestBody(r); string(got) != string(body[5:]) {
		t.Errorf("after 5 bytes were read: %q", got)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		r.Body.(*readBody).Reset(body)
		_, _ = requestBody(r)
	}); allocs != 0 {
		t.Errorf("taking the body allocates %v times", allocs)
	}
}

// Writing the response of a page of 50 goods, as transport.POST wrote it
// and as postJSON writes it:
//
//	go test ./graph -run '^$' -bench WriteResponse -benchmem
func BenchmarkWriteResponse(b *testing.B) {
	var data bytes.Buffer
	data.WriteString(`{"goodsList":{"totalCount":1000,"nodes":[`)
	for i := range 50 {
		if i > 0 {
			data.WriteByte(',')
		}
		fmt.Fprintf(&data, `{"id":"%d","name":"goods %d-%d","unit":"pcs","sku":null,"category":{"id":"%d","name":"category %d"},`+
			`"stock":{"onHand":"12.5","value":"28.13","averageCost":"2.2504","low":false}}`, i+1, i/10, i%10, i/10+1, i/10)
	}
	data.WriteString(`],"pageInfo":{"endCursor":"Z29vZHMgNDk","hasNextPage":true}}}`)
	resp := &graphql.Response{Data: data.Bytes()}
	b.Logf("%d bytes of data", data.Len())
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			out, err := json.Marshal(resp)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Discard.Write(out)
		}
	})
	b.Run("postJSON", func(b *testing.B) {
		for b.Loop() {
			writeResponse(io.Discard, resp)
		}
	})
}
