package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postJSON is the transport of a GraphQL request POSTed as JSON. It answers
// as gqlgen's transport.POST does — the same headers, statuses and bytes —
// with three differences:
//   - the body is decoded once, into the request's parameters, and a body
//     that is not a GraphQL request is 400 BAD_REQUEST saying what is wrong
//     (gqlgen echoes the whole body back in its message);
//   - the body limitBody has already read is used as it is, not copied;
//   - a response without errors is written as it was built: the data, which
//     the executor has already written as JSON, is not parsed and compacted
//     again by json.Marshal.
type postJSON struct{}

var _ graphql.Transport = postJSON{}

// Supports takes what transport.POST takes: a POST of application/json that
// is not a protocol upgrade.
func (postJSON) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mediaType == "application/json"
}

// Do runs the request's operation and writes its response.
func (postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()
	body, err := requestBody(r)
	if err != nil {
		writeBadRequest(w, "cannot read the request body")
		return
	}
	params := &graphql.RawParams{}
	if msg := decodeGraphQLRequest(body, params); msg != "" {
		writeBadRequest(w, msg)
		return
	}
	if msg := missingQuery(params); msg != "" {
		writeBadRequest(w, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	oc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		writeRefused(w, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, oc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	writeResponse(w, resp)
	if resp != nil {
		releaseData(resp.Data)
	}
}

// requestBody is the request's body: the bytes limitBody read, when it did,
// or read here.
func requestBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if b, ok := r.Body.(*readBody); ok {
		return b.unread(), nil
	}
	return io.ReadAll(r.Body)
}

// readBody is a request body already read whole, kept as its bytes.
type readBody struct {
	*bytes.Reader
	bytes []byte
}

func newReadBody(b []byte) *readBody { return &readBody{Reader: bytes.NewReader(b), bytes: b} }

// Close does nothing: the body is in memory.
func (*readBody) Close() error { return nil }

// unread returns what has not been read yet and marks it read, as
// io.ReadAll would, without copying it.
func (b *readBody) unread() []byte {
	rest := b.bytes[len(b.bytes)-b.Len():]
	_, _ = b.Seek(0, io.SeekEnd)
	return rest
}

const (
	mediaTypeJSON            = "application/json"
	mediaTypeGraphQLResponse = "application/graphql-response+json"
)

// responseContentType chooses the response's media type from the request's
// Accept header as transport.POST does (without its option to prefer
// application/graphql-response+json): application/json when the client
// accepts anything or names it first, application/graphql-response+json
// when the client names that first or names neither.
func responseContentType(accept string) string {
	if accept == "" {
		return mediaTypeJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", mediaTypeJSON:
			return mediaTypeJSON
		case mediaTypeGraphQLResponse:
			return mediaTypeGraphQLResponse
		}
	}
	return mediaTypeGraphQLResponse
}

// statusForRefused is the status of an operation refused before it ran, as
// GraphQL over HTTP recommends: in application/json always 200 (the errors
// say what is wrong); in application/graphql-response+json a document that
// does not parse or validate, or whose variables do not fit, is 400, and any
// other refusal (a limit, a persisted query not found) 200.
func statusForRefused(errs gqlerror.List, contentType string) int {
	if contentType == mediaTypeGraphQLResponse && errcode.GetErrorKind(errs) == errcode.KindProtocol {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// writeRefused answers an operation refused before it ran: its errors (and
// extensions), with no "data" entry, since nothing was executed.
func writeRefused(w http.ResponseWriter, contentType string, resp *graphql.Response) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(statusForRefused(resp.Errors, contentType))
	_ = json.NewEncoder(w).Encode(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
}

// responseBuffers hold responses while they are written; one grown past
// maxPooledResponse by an unusually large response is left to the collector.
var responseBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledResponse = 1 << 20

// writeResponse writes resp as transport.POST does, byte for byte.
func writeResponse(w io.Writer, resp *graphql.Response) {
	buf := responseBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	appendResponse(buf, resp)
	_, _ = w.Write(buf.Bytes())
	if buf.Cap() <= maxPooledResponse {
		responseBuffers.Put(buf)
	}
}

// appendResponse writes resp to buf in JSON. A response that is only data
// is {"data":…} around the data as the executor wrote it; json.Marshal
// would compact that JSON again and escape <, >, & and U+2028/U+2029 in it,
// and gqlgen's marshallers write no space between tokens, so only the
// escaping is done here. Anything else goes through encoding/json.
func appendResponse(buf *bytes.Buffer, resp *graphql.Response) {
	if resp != nil && len(resp.Data) > 0 && len(resp.Errors) == 0 && len(resp.Extensions) == 0 &&
		resp.Label == "" && len(resp.Path) == 0 && resp.HasNext == nil {
		buf.WriteString(`{"data":`)
		appendHTMLEscaped(buf, resp.Data)
		buf.WriteByte('}')
		return
	}
	enc := json.NewEncoder(buf)
	if err := enc.Encode(resp); err != nil {
		// As transport.POST does: the executor built a response that is
		// not JSON, which is a bug.
		panic(fmt.Errorf("unable to marshal %s: %w", string(resp.Data), err))
	}
	buf.Truncate(buf.Len() - 1) // Encode ends with a newline; Marshal does not.
}

// htmlUnsafe marks the bytes appendHTMLEscaped looks at: <, > and &, and
// 0xE2, the first byte of U+2028 and U+2029.
var htmlUnsafe = [256]bool{'<': true, '>': true, '&': true, 0xE2: true}

const hexDigits = "0123456789abcdef"

// appendHTMLEscaped writes JSON to buf with <, >, & and the line and
// paragraph separators U+2028 and U+2029 escaped, as encoding/json escapes
// them (\u003c, \u2028…).
func appendHTMLEscaped(buf *bytes.Buffer, data []byte) {
	start := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !htmlUnsafe[c] {
			continue
		}
		if c == 0xE2 {
			if i+2 < len(data) && data[i+1] == 0x80 && data[i+2]&^1 == 0xA8 {
				buf.Write(data[start:i])
				buf.WriteString(`\u202`)
				buf.WriteByte(hexDigits[data[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		buf.Write(data[start:i])
		buf.WriteString(`\u00`)
		buf.WriteByte(hexDigits[c>>4])
		buf.WriteByte(hexDigits[c&0xF])
		start = i + 1
	}
	buf.Write(data[start:])
}
