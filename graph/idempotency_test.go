package graph_test

import (
	"testing"

	"wms/db"
	"wms/db/dbtest"
)

// Idempotency keys belong to the user who sends them: another user sending
// the same key gets a document of their own, never the first user's (before,
// user B replaying A's key was answered A's document and moved nothing).
func TestIdempotencyKeysArePerUser(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		g := goodsFor(admin, "蔬菜", "土豆")
		for _, u := range []string{"amy", "bob"} {
			admin.ok(`mutation($u: String!) { createUser(input: {username: $u, password: "clerk-password", role: CLERK}) { id } }`,
				map[string]any{"u": u}, nil)
		}
		amy, bob := admin.as(admin.login("amy", "clerk-password")), admin.as(admin.login("bob", "clerk-password"))
		doc := `mutation($in: StockInInput!) { stockIn(input: $in) { id code createdBy { username } } }`
		in := map[string]any{"in": map[string]any{"type": "PURCHASE", "idempotencyKey": "invoice-7",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "2", "unitCost": "3"}}}}
		type answer struct {
			StockIn struct {
				ID, Code  string
				CreatedBy struct{ Username string }
			}
		}
		var a1, a2, b1, b2 answer
		amy.ok(doc, in, &a1)
		bob.ok(doc, in, &b1)
		if b1.StockIn.ID == a1.StockIn.ID || b1.StockIn.CreatedBy.Username != "bob" {
			t.Fatalf("bob's stock-in under amy's key answered %+v (amy's is %+v)", b1.StockIn, a1.StockIn)
		}
		amy.ok(doc, in, &a2)
		bob.ok(doc, in, &b2)
		if a2 != a1 || b2 != b1 {
			t.Errorf("replays: amy %+v then %+v, bob %+v then %+v", a1, a2, b1, b2)
		}
		// A different request under one's own key is still a CONFLICT; the
		// same key is free for another user.
		changed := map[string]any{"in": map[string]any{"type": "GIFT", "idempotencyKey": "invoice-7",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "2", "unitCost": "3"}}}}
		amy.fail(doc, changed, "CONFLICT")
		// Stock-outs too.
		out := map[string]any{"in": map[string]any{"reason": "CONSUME", "idempotencyKey": "sale-1",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}
		var o1, o2, o3 struct{ StockOut struct{ ID string } }
		amy.ok(`mutation($in: StockOutInput!) { stockOut(input: $in) { id } }`, out, &o1)
		bob.ok(`mutation($in: StockOutInput!) { stockOut(input: $in) { id } }`, out, &o2)
		amy.ok(`mutation($in: StockOutInput!) { stockOut(input: $in) { id } }`, out, &o3)
		if o1 == o2 || o1 != o3 {
			t.Errorf("stock-outs under one key: amy %v, bob %v, amy again %v", o1, o2, o3)
		}
		if got := counts(admin, g); got != "2 in, 2 out, 4 entries, 2 worth 6.00" {
			t.Errorf("after two users' documents under the same keys: %s", got)
		}
	})
}
