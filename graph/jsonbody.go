package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
)

// CodeBadRequest is the extensions.code of a request that is not a GraphQL
// request at all (a JSON body that does not decode, a media type or method
// the endpoint does not take, a multipart request without a preflight
// header), answered with a 4xx status.
const CodeBadRequest = "BAD_REQUEST"

// decodeGraphQLRequest reads body, a GraphQL request in JSON, into params,
// numbers in the variables kept as json.Number as gqlgen's own transports
// keep them. It returns what keeps body from being such a request, or ""
// when nothing does. A body that decodes is decoded once; only one that does
// not is read again, to say what is wrong and where (never what was sent).
func decodeGraphQLRequest(body []byte, params *graphql.RawParams) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err == nil && onlyJSONSpace(body[dec.InputOffset():]) {
		return ""
	}
	if msg := graphQLRequestProblem(body); msg != "" {
		return msg
	}
	// Not reached: every body the decoder refuses has a problem above.
	return "the request body is not a GraphQL request"
}

// onlyJSONSpace reports whether b holds nothing but JSON whitespace: what may
// follow the request object.
func onlyJSONSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
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

// missingQuery says what is wrong with a request that has no query and asks
// for no persisted one, or "" when it has one: such a request is no GraphQL
// request, 400 BAD_REQUEST, as GraphQL over HTTP suggests for invalid
// parameters.
func missingQuery(params *graphql.RawParams) string {
	if params.Query != "" || params.Extensions["persistedQuery"] != nil {
		return ""
	}
	return "the request has no \"query\" (nor a persisted query's hash in extensions.persistedQuery)"
}

// writeBadRequest answers 400 BAD_REQUEST with msg.
func writeBadRequest(w http.ResponseWriter, msg string) {
	writeRequestError(w, http.StatusBadRequest, msg)
}

// writeRequestError answers a request that is not one the endpoint serves
// (not GraphQL, the wrong method or media type): status, and a JSON errors
// array with msg and the code BAD_REQUEST.
func writeRequestError(w http.ResponseWriter, status int, msg string) {
	writeCodedError(w, status, CodeBadRequest, msg)
}

// writeCodedError answers status with a JSON errors array of one error.
func writeCodedError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": map[string]string{"code": code}}}})
}
