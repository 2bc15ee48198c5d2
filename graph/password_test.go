package graph_test

import (
	"net/http"
	"testing"

	"wms/db"
	"wms/db/dbtest"
)

// changePassword: any signed-in user changes their own password with the
// current one; their other sessions end, this one and their API tokens keep
// working; the old password no longer signs in, the new one does.
func TestChangePasswordEndsOtherSessionsOnly(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		admin.ok(`mutation { createUser(input: {username: "chen", password: "chen's first password", role: CLERK}) { id } }`, nil, nil)
		here := admin.as(admin.login("chen", "chen's first password"))
		there := admin.as(admin.login("chen", "chen's first password"))
		var tok struct{ CreateApiToken struct{ Token string } }
		here.ok(`mutation { createApiToken(input: {name: "script", role: VIEWER}) { token } }`, nil, &tok)
		script := admin.as(tok.CreateApiToken.Token)

		change := `mutation($c: String!, $n: String!) { changePassword(current: $c, new: $n) }`
		e := here.fail(change, map[string]any{"c": "not my password", "n": "chen's second password"}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "current" {
			t.Errorf("wrong current password: %+v", e)
		}
		e = here.fail(change, map[string]any{"c": "chen's first password", "n": "short"}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "new" {
			t.Errorf("too short a new password: %+v", e)
		}
		var out struct{ ChangePassword bool }
		here.ok(change, map[string]any{"c": "chen's first password", "n": "chen's second password"}, &out)
		if !out.ChangePassword {
			t.Fatal("changePassword answered false")
		}
		if r := here.post(`{ me { username } }`, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("this session after the change: %d %s", r.Status, r.Raw)
		}
		if r := there.post(`{ me { username } }`, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("the other session after the change: %d %s", r.Status, r.Raw)
		}
		if r := script.post(`{ me { username } }`, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("the API token after the change: %d %s", r.Status, r.Raw)
		}
		old := admin.as("").post(`mutation { login(username: "chen", password: "chen's first password") { token } }`, nil)
		if len(old.Errors) == 0 || old.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Errorf("the old password: %s", old.Raw)
		}
		if admin.login("chen", "chen's second password") == "" {
			t.Error("the new password does not sign in")
		}
		// Without a token: UNAUTHENTICATED, as for any field.
		admin.as("").fail(change, map[string]any{"c": "x", "n": "chen's third password"}, "UNAUTHENTICATED")
	})
}
