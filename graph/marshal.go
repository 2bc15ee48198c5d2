package graph

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// The generated executor (graph/codegen rewrites gqlgen's output) marshals
// lists and objects with these, in the goroutine that resolves them.

// marshalSlice marshals the n elements of a list one after the other. Each
// element has its own field context carrying its index, as with gqlgen's
// MarshalSliceConcurrently, so an error inside it names its path; with
// recoverPanics a panic fails that element alone.
func marshalSlice(ctx context.Context, n int, recoverPanics bool, marshal func(context.Context, int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	if n == 0 {
		return ret
	}
	fcs := make([]graphql.FieldContext, n)
	idx := make([]int, n)
	for i := range n {
		idx[i] = i
		fcs[i].Index = &idx[i]
		ctx := graphql.WithFieldContext(ctx, &fcs[i])
		if recoverPanics {
			ret[i] = marshalElement(ctx, i, marshal)
		} else {
			ret[i] = marshal(ctx, i)
		}
	}
	return ret
}

func marshalElement(ctx context.Context, i int, marshal func(context.Context, int) graphql.Marshaler) (ret graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			ret = graphql.Null
		}
	}()
	return marshal(ctx, i)
}

// objectFields are the values of one object's selected fields, in the order
// of the selection. CollectFields has already merged fields of one alias, so
// unlike graphql.FieldSet it writes them without checking for repeats.
type objectFields struct {
	fields   []graphql.CollectedField
	Values   []graphql.Marshaler
	Invalids uint32
	// small holds the values of an object of a few fields, so that it costs
	// one allocation.
	small [6]graphql.Marshaler
}

func newObjectFields(fields []graphql.CollectedField) *objectFields {
	o := &objectFields{fields: fields}
	if len(fields) <= len(o.small) {
		o.Values = o.small[:len(fields)]
	} else {
		o.Values = make([]graphql.Marshaler, len(fields))
	}
	return o
}

// MarshalGQL writes the object.
func (o *objectFields) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, "{")
	for i := range o.fields {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		// An alias is a GraphQL Name, [_A-Za-z][_0-9A-Za-z]*: nothing to escape.
		_, _ = io.WriteString(w, "\"")
		_, _ = io.WriteString(w, o.fields[i].Alias)
		_, _ = io.WriteString(w, "\":")
		o.Values[i].MarshalGQL(w)
	}
	_, _ = io.WriteString(w, "}")
}

// dataBuffers hold the data of responses: the executor writes a response's
// data into one (newDataBuffer) and the POST transport, which copies the data
// into its own buffer as it writes, gives it back (releaseData).
var dataBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newDataBuffer() *bytes.Buffer {
	buf := dataBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

// releaseData gives back the buffer holding data, which nothing may use any
// more. Data grown past maxPooledResponse is left to the collector, and so is
// data smaller than any buffer of the pool (64 bytes at least), which the
// executor did not write.
func releaseData(data []byte) {
	if c := cap(data); c >= 64 && c <= maxPooledResponse {
		dataBuffers.Put(bytes.NewBuffer(data[:0]))
	}
}

// stringValue writes a String field from where its object holds it: a
// pointer goes into graphql.Marshaler without an allocation, where
// graphql.MarshalString makes a closure for each value.
type stringValue string

// MarshalGQL writes the string as graphql.MarshalString does.
func (s *stringValue) MarshalGQL(w io.Writer) { writeQuotedString(w, string(*s)) }

// boolValue writes a Boolean; a one-byte value goes into an interface
// without an allocation.
type boolValue bool

// MarshalGQL writes true or false.
func (b boolValue) MarshalGQL(w io.Writer) {
	if b {
		_, _ = io.WriteString(w, "true")
	} else {
		_, _ = io.WriteString(w, "false")
	}
}

const upperHex = "0123456789ABCDEF"

// writeQuotedString is gqlgen's string writer: the string in quotes with
// ", \ and control characters escaped, everything else as it is.
func writeQuotedString(w io.Writer, s string) {
	start := 0
	_, _ = io.WriteString(w, `"`)
	for i, c := range s {
		if c < 0x20 || c == '\\' || c == '"' {
			_, _ = io.WriteString(w, s[start:i])
			switch c {
			case '\t':
				_, _ = io.WriteString(w, `\t`)
			case '\r':
				_, _ = io.WriteString(w, `\r`)
			case '\n':
				_, _ = io.WriteString(w, `\n`)
			case '\\':
				_, _ = io.WriteString(w, `\\`)
			case '"':
				_, _ = io.WriteString(w, `\"`)
			default:
				_, _ = io.WriteString(w, `\u00`)
				_, _ = w.Write([]byte{upperHex[c>>4], upperHex[c&0xf]})
			}
			start = i + 1
		}
	}
	_, _ = io.WriteString(w, s[start:])
	_, _ = io.WriteString(w, `"`)
}
