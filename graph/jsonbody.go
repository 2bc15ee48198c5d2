package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// CodeBadRequest is the extensions.code of a request that is not a GraphQL
// request at all (a JSON body that does not decode), answered with 400.
const CodeBadRequest = "BAD_REQUEST"

// checkJSONBody answers 400 BAD_REQUEST to a POSTed JSON body that is not a
// GraphQL request: not JSON, not an object, or a field of the wrong kind.
// gqlgen would answer such a body INTERNAL and echo it whole in the message.
// The message here says what is wrong and where, never what was sent.
func checkJSONBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeBadRequest(w, "cannot read the request body")
			return
		}
		if msg := graphQLRequestProblem(body); msg != "" {
			writeBadRequest(w, msg)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// graphQLRequestProblem says what keeps body from being a GraphQL request in
// JSON ({"query": "…", "operationName": "…", "variables": {…}, "extensions":
// {…}}), or "" when nothing does.
func graphQLRequestProblem(body []byte) string {
	var fields struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	err := json.Unmarshal(body, &fields)
	var syntax *json.SyntaxError
	var kind *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return "the request body is empty: send a JSON object with a \"query\""
	case errors.As(err, &syntax):
		return fmt.Sprintf("the request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &kind):
		return "the request body must be a JSON object with a \"query\""
	case err != nil:
		return "the request body is not valid JSON"
	}
	for _, f := range []struct {
		name  string
		value json.RawMessage
		open  byte
		what  string
	}{
		{"query", fields.Query, '"', "a string"},
		{"operationName", fields.OperationName, '"', "a string"},
		{"variables", fields.Variables, '{', "an object"},
		{"extensions", fields.Extensions, '{', "an object"},
	} {
		if len(f.value) > 0 && f.value[0] != f.open && !bytes.Equal(f.value, []byte("null")) {
			return fmt.Sprintf("%q in the request body must be %s", f.name, f.what)
		}
	}
	return ""
}

func writeBadRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": map[string]string{"code": CodeBadRequest}}}})
}
