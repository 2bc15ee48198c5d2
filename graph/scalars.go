package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"wms/model"
)

// IDs are 64-bit row ids, written as GraphQL ID strings ("42") and read from
// a string or an integer.

// MarshalInt64ID writes an id as a GraphQL ID string.
func MarshalInt64ID(id int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.FormatInt(id, 10)))
	})
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
