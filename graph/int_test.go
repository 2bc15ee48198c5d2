package graph_test

import (
	"testing"

	"wms/db"
	"wms/db/dbtest"
)

// GraphQL's Int is 32-bit: a larger argument, written in the document or
// sent as a variable, is BAD_USER_INPUT on the argument.
func TestIntArgumentsAre32Bit(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		for _, tc := range []struct {
			doc   string
			vars  map[string]any
			field string
		}{
			{`{ categories(first: 2147483648) { totalCount } }`, nil, "first"},
			{`{ categories(offset: -2147483649) { totalCount } }`, nil, "offset"},
			{`{ goodsList(first: 9223372036854775807) { totalCount } }`, nil, "first"},
			{`query($n: Int) { categories(first: $n) { totalCount } }`, map[string]any{"n": int64(1) << 32}, "first"},
			{`query($n: Int) { stock(offset: $n) { totalCount } }`, map[string]any{"n": 4294967297}, "offset"},
		} {
			r := c.post(tc.doc, tc.vars)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != tc.field {
				t.Errorf("%s %v\n→ %s", tc.doc, tc.vars, r.Raw)
			}
		}
		var out struct{ Categories struct{ TotalCount int } }
		c.ok(`query($n: Int) { categories(first: $n, offset: 0) { totalCount } }`, map[string]any{"n": 2147483647}, &out)
		c.ok(`{ categories(first: 2147483647) { totalCount } }`, nil, &out)
	})
}
