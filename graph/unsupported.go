package graph

import (
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
)

// unsupported is the last transport: it takes every request the others do
// not and answers it in JSON with the code BAD_REQUEST, saying what the
// endpoint takes, where gqlgen would answer "transport not supported"
// without a code.
type unsupported struct{}

var _ graphql.Transport = unsupported{}

// Supports takes anything.
func (unsupported) Supports(*http.Request) bool { return true }

// Do refuses the request: a POST of another media type is 415, another
// method 405, a protocol upgrade (WebSocket) 400.
func (unsupported) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch {
	case r.Header.Get("Upgrade") != "":
		writeBadRequest(w, "this endpoint does not upgrade connections: send GraphQL over HTTP POST or GET")
	case r.Method == http.MethodPost:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "" {
			mt = "no Content-Type"
		}
		w.Header().Set("Accept-Post", "application/json, multipart/form-data")
		writeRequestError(w, http.StatusUnsupportedMediaType, "POST takes Content-Type: application/json "+
			"(or multipart/form-data for uploads), not "+mt)
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		writeRequestError(w, http.StatusMethodNotAllowed, "send GraphQL with POST (or GET for queries), not "+r.Method)
	}
}
