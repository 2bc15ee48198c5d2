package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
)

// A body that is not a GraphQL request in JSON is a 400 BAD_REQUEST saying
// what is wrong, never INTERNAL and never an echo of what was sent.
func TestMalformedJSONIsABadRequest(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		const secret = "Secr3tPassw0rd"
		for name, body := range map[string]string{
			"truncated":         `{"query": "mutation { login(username: \"admin\", password: \"` + secret + `\") { token } }"`,
			"not JSON":          `query=` + secret,
			"array":             `[{"query": "{ __typename }", "x": "` + secret + `"}]`,
			"query not string":  `{"query": {"q": "` + secret + `"}}`,
			"variables list":    `{"query": "{ __typename }", "variables": ["` + secret + `"]}`,
			"extensions string": `{"query": "{ __typename }", "extensions": "` + secret + `"}`,
			"name not string":   `{"query": "{ __typename }", "operationName": 7, "v": "` + secret + `"}`,
			"trailing garbage":  `{"query": "{ __typename }"} ` + secret,
			"empty":             ``,
		} {
			for _, who := range []*client{c, c.as("")} {
				r := who.send(http.MethodPost, "application/json", strings.NewReader(body), nil)
				if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_REQUEST" {
					t.Errorf("%s: %d %s", name, r.Status, r.Raw)
				}
				if strings.Contains(r.Raw, secret) {
					t.Errorf("%s: the answer echoes the body: %s", name, r.Raw)
				}
			}
		}
		r := c.send(http.MethodPost, "application/json; charset=utf-8", strings.NewReader(`{"query": "{ __typename }", "variables": null}`), nil)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("a good request: %d %s", r.Status, r.Raw)
		}
	})
}
