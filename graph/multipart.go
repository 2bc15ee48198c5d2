package graph

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// multipartForm is gqlgen's transport of the GraphQL multipart request (the
// uploads of apollo-upload-client), with its refusals made to answer as the
// JSON POST's do: gqlgen answers a form it cannot read ("first part must be
// operations", "map form field could not be decoded" …) with errors that have
// no code, and those get BAD_REQUEST here; an operation refused before it ran
// (its errors all have codes: parse, validation, a limit) is 200 without a
// "data" entry rather than 422, as application/json answers are.
type multipartForm struct{ transport.MultipartForm }

// Do runs the request through gqlgen's transport, mending its refusals.
func (f multipartForm) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	cw := &codingWriter{ResponseWriter: w}
	f.MultipartForm.Do(cw, r, exec)
	cw.finish()
}

// codingWriter passes a response through, except one with an error status,
// which it holds to add BAD_REQUEST to each error that has no code.
type codingWriter struct {
	http.ResponseWriter
	status int
	held   bytes.Buffer
}

func (c *codingWriter) WriteHeader(status int) {
	if c.status != 0 {
		return
	}
	c.status = status
	if status < http.StatusBadRequest {
		c.ResponseWriter.WriteHeader(status)
	}
}

func (c *codingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if c.status < http.StatusBadRequest {
		return c.ResponseWriter.Write(p)
	}
	return c.held.Write(p)
}

// finish writes a held error response, each error with a code.
func (c *codingWriter) finish() {
	if c.status < http.StatusBadRequest {
		return
	}
	var resp struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(c.held.Bytes(), &resp); err != nil || len(resp.Errors) == 0 {
		writeRequestError(c.ResponseWriter, c.status, "the multipart request cannot be read")
		return
	}
	refused := true
	for _, e := range resp.Errors {
		ext, _ := e["extensions"].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			e["extensions"] = ext
		}
		if _, ok := ext["code"]; !ok {
			ext["code"] = CodeBadRequest
			refused = false
		}
	}
	if refused && c.status == http.StatusUnprocessableEntity {
		c.status = http.StatusOK
	}
	c.ResponseWriter.Header().Set("Content-Type", "application/json")
	c.ResponseWriter.WriteHeader(c.status)
	_ = json.NewEncoder(c.ResponseWriter).Encode(resp)
}
