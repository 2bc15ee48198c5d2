package graph_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/graph"
)

// TestEveryRefusalIsJSONWithACode sends what the endpoint does not take and
// checks each answer is a JSON errors array whose errors all have a code.
func TestEveryRefusalIsJSONWithACode(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		form := func(operations string, preflight bool) response {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			_ = w.WriteField("operations", operations)
			_ = w.WriteField("map", `{}`)
			_ = w.Close()
			h := http.Header{}
			if preflight {
				h.Set("Apollo-Require-Preflight", "true")
			}
			return c.send(http.MethodPost, w.FormDataContentType(), &b, h)
		}
		for _, tc := range []struct {
			name    string
			r       response
			status  int
			code    string
			message string
			header  [2]string
		}{
			{name: "text/plain", r: c.send(http.MethodPost, "text/plain", strings.NewReader(`{"query":"{ __typename }"}`), nil),
				status: 415, code: graph.CodeBadRequest, message: "application/json", header: [2]string{"Accept-Post", "application/json, multipart/form-data"}},
			{name: "no Content-Type", r: c.send(http.MethodPost, "", strings.NewReader(`{"query":"{ __typename }"}`), nil),
				status: 415, code: graph.CodeBadRequest, message: "no Content-Type"},
			{name: "form-urlencoded", r: c.send(http.MethodPost, "application/x-www-form-urlencoded", strings.NewReader(`query=%7B__typename%7D`), nil),
				status: 415, code: graph.CodeBadRequest, message: "application/x-www-form-urlencoded"},
			{name: "GET mutation", r: c.get("?" + url.Values{"query": {`mutation { logout }`}}.Encode()),
				status: 405, code: graph.CodeBadRequest, message: "GET serves queries only", header: [2]string{"Allow", "POST"}},
			{name: "GET variables not JSON", r: c.get("?" + url.Values{"query": {`{ __typename }`}, "variables": {"{"}}.Encode()),
				status: 400, code: graph.CodeBadRequest, message: "variables"},
			{name: "POST without a query", r: c.postBody(map[string]any{"variables": map[string]any{}}),
				status: 400, code: graph.CodeBadRequest, message: "no \"query\""},
			{name: "GET without a query", r: c.get("?operationName=x"),
				status: 400, code: graph.CodeBadRequest, message: "no \"query\""},
			{name: "PUT", r: c.send(http.MethodPut, "application/json", strings.NewReader(`{"query":"{ __typename }"}`), nil),
				status: 405, code: graph.CodeBadRequest, message: "PUT", header: [2]string{"Allow", "GET, POST, OPTIONS"}},
			{name: "websocket upgrade", r: c.send(http.MethodGet, "", nil, http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}),
				status: 400, code: graph.CodeBadRequest, message: "upgrade"},
			{name: "multipart without a preflight header", r: form(`{"query": "{ __typename }", "variables": {}}`, false),
				status: 400, code: graph.CodeBadRequest, message: "Apollo-Require-Preflight"},
			{name: "multipart operations not JSON", r: form(`{`, true),
				status: 422, code: graph.CodeBadRequest, message: "operations"},
			{name: "multipart with a syntax error", r: form(`{"query": "{ me {", "variables": {}}`, true),
				status: 200, code: "GRAPHQL_PARSE_FAILED"},
		} {
			r := tc.r
			if r.Status != tc.status || r.Header.Get("Content-Type") != "application/json" || len(r.Errors) == 0 {
				t.Errorf("%s: %d %s %s", tc.name, r.Status, r.Header.Get("Content-Type"), r.Raw)
				continue
			}
			for _, e := range r.Errors {
				if e.Extensions["code"] != tc.code || !strings.Contains(e.Message, tc.message) {
					t.Errorf("%s: error %+v, want code %s and a message with %q", tc.name, e, tc.code, tc.message)
				}
			}
			if strings.Contains(r.Raw, `"data"`) {
				t.Errorf("%s: a refusal has a data entry: %s", tc.name, r.Raw)
			}
			if tc.header[0] != "" && r.Header.Get(tc.header[0]) != tc.header[1] {
				t.Errorf("%s: %s: %q, want %q", tc.name, tc.header[0], r.Header.Get(tc.header[0]), tc.header[1])
			}
		}
	})
}

// TestRefusedOperationsFollowGraphQLOverHTTP checks the recommendations of
// GraphQL over HTTP for a document that does not parse or validate, or whose
// variables do not fit: 200 in application/json, 400 in
// application/graphql-response+json, and never a "data" entry, over POST and
// GET alike.
func TestRefusedOperationsFollowGraphQLOverHTTP(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		for _, tc := range []struct {
			name, query, code string
			vars              map[string]any
		}{
			{name: "parse", query: `{ me {`, code: "GRAPHQL_PARSE_FAILED"},
			{name: "validation", query: `{ nope }`, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "variable coercion", query: `query($id: ID!) { goods(id: $id) { name } }`, vars: map[string]any{"id": true}, code: "GRAPHQL_VALIDATION_FAILED"},
		} {
			for _, accept := range []string{"", "application/json", "application/graphql-response+json"} {
				want, wantType := http.StatusOK, "application/json"
				if accept == "application/graphql-response+json" {
					want, wantType = http.StatusBadRequest, accept
				}
				body, _ := json.Marshal(map[string]any{"query": tc.query, "variables": tc.vars})
				q := url.Values{"query": {tc.query}}
				if tc.vars != nil {
					v, _ := json.Marshal(tc.vars)
					q.Set("variables", string(v))
				}
				h := http.Header{}
				if accept != "" {
					h.Set("Accept", accept)
				}
				get, _ := http.NewRequest(http.MethodGet, c.srv.URL+"?"+q.Encode(), nil)
				get.Header = h.Clone()
				get.Header.Set("Authorization", "Bearer "+c.token)
				for how, r := range map[string]response{
					"POST": c.send(http.MethodPost, "application/json", bytes.NewReader(body), h),
					"GET":  c.do(get),
				} {
					if r.Status != want || r.Header.Get("Content-Type") != wantType || len(r.Errors) != 1 ||
						r.Errors[0].Extensions["code"] != tc.code || strings.Contains(r.Raw, `"data"`) {
						t.Errorf("%s %s, Accept %q: %d %s %s; want %d %s, %s and no data",
							how, tc.name, accept, r.Status, r.Header.Get("Content-Type"), r.Raw, want, wantType, tc.code)
					}
				}
			}
		}
	})
}
