package graph

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// getQuery is the transport of a GraphQL query sent as GET /query?query=…,
// for queries only. It answers as postJSON does (the same media types,
// statuses and refusals without "data"), and everything it refuses is JSON
// with a code: parameters that do not decode are 400 BAD_REQUEST, and a
// mutation is 405 BAD_REQUEST with Allow: POST, as GraphQL over HTTP says.
type getQuery struct{}

var _ graphql.Transport = getQuery{}

// Supports takes a GET that is not a protocol upgrade.
func (getQuery) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do runs the query and writes its response.
func (getQuery) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeBadRequest(w, "the URL's query string does not decode")
		return
	}
	params := &graphql.RawParams{
		Query:         values.Get("query"),
		OperationName: values.Get("operationName"),
		Headers:       r.Header,
	}
	for _, p := range []struct {
		name string
		into *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		raw := values.Get(p.name)
		if raw == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(p.into); err != nil {
			writeBadRequest(w, "the URL parameter \""+p.name+"\" must be a JSON object")
			return
		}
	}
	if msg := missingQuery(params); msg != "" {
		writeBadRequest(w, msg)
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	contentType := responseContentType(r.Header.Get("Accept"))
	oc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		writeRefused(w, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, oc), opErr))
		return
	}
	if op := oc.Doc.Operations.ForName(oc.OperationName); op == nil || op.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		writeRequestError(w, http.StatusMethodNotAllowed,
			"GET serves queries only: send mutations with POST")
		return
	}
	w.Header().Set("Content-Type", contentType)
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	writeResponse(w, resp)
	if resp != nil {
		releaseData(resp.Data)
	}
}
