package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/graph"
)

// Documents with a near miss of the schema's names, each of which gqlparser
// answers with a suggestion ("Did you mean …?").
var nearMisses = map[string]string{
	"field":      `{ goodList { totalCount } }`,
	"argument":   `{ goodsList(serch: "x") { totalCount } }`,
	"enum value": `{ categories(orderBy: NAME_AS) { totalCount } }`,
	"type":       `{ ...F } fragment F on Quer { __typename }`,
	"input":      `mutation { createCategory(input: {nme: "x"}) { id } }`,
	"leaf":       `{ categories }`,
}

// Suggestions tell the schema's names as well as introspection does: with
// introspection off nobody gets them, and a caller without a token never
// does; a signed-in caller gets them while introspection is on.
func TestSuggestionsFollowIntrospectionAndTheCaller(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		on := newClient(t, s)
		o := graph.DefaultOptions
		o.Introspection = false
		off := newClientWith(t, s, o)
		for name, doc := range nearMisses {
			t.Run(name, func(t *testing.T) {
				for _, tc := range []struct {
					who     string
					c       *client
					suggest bool
				}{
					{"signed in, introspection on", on, true},
					{"anonymous, introspection on", on.as(""), false},
					{"signed in, introspection off", off, false},
					{"anonymous, introspection off", off.as(""), false},
				} {
					r := tc.c.post(doc, nil)
					if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
						t.Fatalf("%s: %s", tc.who, r.Raw)
					}
					if got := strings.Contains(r.Raw, "Did you mean"); got != tc.suggest {
						t.Errorf("%s: suggestion %v, want %v: %s", tc.who, got, tc.suggest, r.Raw)
					}
				}
			})
		}
	})
}

// With introspection off, an introspection query is refused with its own
// code, not answered INTERNAL; __typename still answers.
func TestIntrospectionOffIsAClearRefusal(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		o := graph.DefaultOptions
		o.Introspection = false
		c := newClientWith(t, s, o)
		for _, doc := range []string{
			`{ __schema { queryType { name } } }`,
			`{ __type(name: "Goods") { fields { name } } }`,
			`query { ...F } fragment F on Query { ... on Query { __schema { types { name } } } }`,
			`{ categories { totalCount } __schema { queryType { name } } }`,
		} {
			for _, who := range []*client{c, c.as("")} {
				r := who.post(doc, nil)
				if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != graph.CodeIntrospectionDisabled ||
					!strings.Contains(r.Errors[0].Message, "introspection is disabled") || strings.Contains(r.Raw, `"data":{`) {
					t.Errorf("%s\n→ %d %s", doc, r.Status, r.Raw)
				}
			}
		}
		if r := c.post(`{ __typename categories { totalCount } }`, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("__typename with introspection off: %s", r.Raw)
		}
		on := newClient(t, s)
		if r := on.as("").post(`{ __schema { queryType { name } } }`, nil); len(r.Errors) > 0 || !strings.Contains(r.Raw, `"Query"`) {
			t.Errorf("introspection on: %s", r.Raw)
		}
	})
}
