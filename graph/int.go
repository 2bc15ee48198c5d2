package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"wms/model"
)

// GraphQL's Int is a 32-bit signed integer. An argument outside that range
// (first: 3000000000) is BAD_USER_INPUT on the argument, whether it is
// written in the document or sent as a variable, rather than a Go int that
// silently holds it. gqlgen.yml maps Int to these functions, for the Go
// fields and arguments of type int and int64 alike.

// MarshalInt writes an int.
func MarshalInt(i int) graphql.Marshaler { return intMarshaler(i) }

// UnmarshalInt reads an Int argument into an int.
func UnmarshalInt(v any) (int, error) {
	n, err := int32Value(v)
	return int(n), err
}

// MarshalInt64 writes an int64 (a size in bytes, say).
func MarshalInt64(i int64) graphql.Marshaler { return intMarshaler(i) }

// intMarshaler writes an integer into the response's buffer (see idMarshaler).
type intMarshaler int64

func (i intMarshaler) MarshalGQL(w io.Writer) { writeAppended(w, int64(i), appendInt) }

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// UnmarshalInt64 reads an Int argument into an int64, within Int's range.
func UnmarshalInt64(v any) (int64, error) {
	n, err := int32Value(v)
	return int64(n), err
}

// int32Value reads a GraphQL Int: a whole number from -2³¹ to 2³¹−1.
func int32Value(v any) (int32, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	case int:
		s = strconv.Itoa(x)
	case int32:
		return x, nil
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return 0, model.Invalid("", "%s is not an Int", describe(v))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, model.Invalid("", "%s is not an Int (a whole number)", strconv.Quote(limitText(s)))
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, model.Invalid("", "%d is outside Int's range (%d to %d)", n, math.MinInt32, math.MaxInt32)
	}
	return int32(n), nil
}

func describe(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

// limitText shortens what a client sent before it is repeated in a message.
func limitText(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
