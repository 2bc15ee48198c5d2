package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"wms/model"
)

// IDs are 64-bit row ids, written as GraphQL ID strings ("42") and read from
// a string or an integer.

// MarshalInt64ID writes an id as a GraphQL ID string.
func MarshalInt64ID(id int64) graphql.Marshaler { return idMarshaler(id) }

// idMarshaler writes an id. As a named integer it goes into the
// graphql.Marshaler interface without a closure, and it is written digit by
// digit into the response's buffer.
type idMarshaler int64

func (id idMarshaler) MarshalGQL(w io.Writer) { writeAppended(w, int64(id), appendQuotedInt) }

func appendQuotedInt(b []byte, n int64) []byte {
	return append(strconv.AppendInt(append(b, '"'), n, 10), '"')
}

// UnmarshalInt64ID reads an id; anything but a positive integer is BAD_USER_INPUT.
func UnmarshalInt64ID(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return 0, model.Invalid("", "%v is not an id", v)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, model.Invalid("", "%s is not an id", strconv.Quote(fmt.Sprint(s)))
	}
	return id, nil
}

// Times are written in RFC 3339 in UTC and read from RFC 3339.
//
// gqlgen's own Time scalar writes null for Go's zero time, 0001-01-01T00:00:00Z,
// which a stored row can hold (MySQL reads its zero date "0000-00-00" as it):
// on a non-null field that null made the whole list answer INTERNAL. A time
// here is always written as the instant it is; an absent time is a nil
// pointer and written as null by the generated code.

// MarshalTime writes a time in RFC 3339, in UTC.
func MarshalTime(t time.Time) graphql.Marshaler { return timeMarshaler(t) }

// timeMarshaler writes a time, formatted into the response's buffer.
type timeMarshaler time.Time

func (t timeMarshaler) MarshalGQL(w io.Writer) { writeAppended(w, time.Time(t), appendQuotedTime) }

// appendQuotedTime appends t in RFC 3339 in UTC, quoted: the text is
// digits, '-', ':', '.', 'T' and 'Z', which need no escaping.
func appendQuotedTime(b []byte, t time.Time) []byte {
	return append(t.UTC().AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
}

// UnmarshalTime reads an RFC 3339 time such as 2026-11-24T08:30:00Z (or
// with an offset, or "2026-11-24 08:30:00" in UTC); anything else, the empty string included, is
// BAD_USER_INPUT. Whether the time is acceptable where it is sent is the
// domain's to say (model.ClientTime, model.FilterRange).
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, model.Invalid("", "a time is an RFC 3339 string such as 2026-11-24T08:30:00Z")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// "2026-11-24 08:30:00", in UTC, as gqlgen's own scalar read it.
		t, err = time.Parse(time.DateTime, s)
	}
	if err != nil {
		return time.Time{}, model.Invalid("", "%s is not an RFC 3339 time such as 2026-11-24T08:30:00Z", strconv.Quote(s))
	}
	return t, nil
}

// bufferWriter is a writer that lends the free end of its buffer to append
// to, as bytes.Buffer and bufio.Writer do.
type bufferWriter interface {
	io.Writer
	AvailableBuffer() []byte
}

// writeAppended writes to w what appendTo appends for v: straight into w's
// buffer when w has one — gqlgen marshals a response into a bytes.Buffer —
// so that a scalar is written without allocating.
func writeAppended[T any](w io.Writer, v T, appendTo func([]byte, T) []byte) {
	if bw, ok := w.(bufferWriter); ok {
		_, _ = bw.Write(appendTo(bw.AvailableBuffer(), v))
		return
	}
	var buf [64]byte
	_, _ = w.Write(appendTo(buf[:0], v))
}
