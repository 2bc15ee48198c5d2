package graph_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// A user's role, disabled flag and times are for an ADMIN and the user
// themself: anyone else sees only the id and username of a createdBy.
func TestCreatedByShowsOthersOnlyTheUsername(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		for _, u := range []string{`{username: "li", password: "li-password-1", role: CLERK}`,
			`{username: "chen", password: "chen-password-1", role: VIEWER}`} {
			admin.ok(`mutation { createUser(input: `+u+`) { id } }`, nil, nil)
		}
		li := admin.as(admin.login("li", "li-password-1"))
		chen := admin.as(admin.login("chen", "chen-password-1"))

		var g struct{ CreateGoods struct{ ID string } }
		admin.ok(`mutation { createCategory(input: {name: "c"}) { id } }`, nil, nil)
		admin.ok(`mutation { createGoods(input: {name: "g", categoryId: "1"}) { id } }`, nil, &g)
		li.ok(`mutation { stockIn(input: {type: PURCHASE, lines: [{goodsId: "`+g.CreateGoods.ID+`", quantity: "2", unitCost: "1"}]}) { id } }`, nil, nil)
		li.ok(`mutation { stockOut(input: {reason: CONSUME, lines: [{goodsId: "`+g.CreateGoods.ID+`", quantity: "1"}]}) { id } }`, nil, nil)
		var me struct {
			Me struct {
				ID int64 `json:",string"`
			}
		}
		li.ok(`{ me { id } }`, nil, &me)
		photo := &model.Media{Kind: model.MediaUpload, Filename: "p.png", ContentType: "image/png", Size: 1,
			SHA256: "00", Key: "00/00", CreatedAt: time.Now().UTC().Truncate(time.Second), CreatedBy: &me.Me.ID}
		if err := s.CreateMedia(context.Background(), photo); err != nil {
			t.Fatal(err)
		}

		const who = `{ username role disabled createdAt lastLoginAt }`
		query := `{ stockIns { nodes { createdBy ` + who + ` } } stockOuts { nodes { createdBy ` + who + ` } }
			media(id: "` + jsonID(photo.ID) + `") { createdBy ` + who + ` } }`
		type user struct {
			Username    string
			Role        *string
			Disabled    *bool
			CreatedAt   *string
			LastLoginAt *string
		}
		creators := func(c *client) []user {
			t.Helper()
			var out struct {
				StockIns  struct{ Nodes []struct{ CreatedBy user } }
				StockOuts struct{ Nodes []struct{ CreatedBy user } }
				Media     struct{ CreatedBy user }
			}
			c.ok(query, nil, &out)
			return []user{out.StockIns.Nodes[0].CreatedBy, out.StockOuts.Nodes[0].CreatedBy, out.Media.CreatedBy}
		}
		for _, u := range creators(chen) {
			if u.Username != "li" || u.Role != nil || u.Disabled != nil || u.CreatedAt != nil || u.LastLoginAt != nil {
				t.Errorf("a VIEWER sees another user as %+v; want the username only", u)
			}
		}
		for name, c := range map[string]*client{"ADMIN": admin, "the user themself": li} {
			for _, u := range creators(c) {
				if u.Username != "li" || u.Role == nil || *u.Role != "CLERK" || u.Disabled == nil || u.CreatedAt == nil || u.LastLoginAt == nil {
					t.Errorf("%s sees the user as %+v; want every field", name, u)
				}
			}
		}

		// Your own fields, in `me` and in what login answers, are yours.
		var self struct{ Me struct{ Role *string } }
		chen.ok(`{ me { role } }`, nil, &self)
		if self.Me.Role == nil || *self.Me.Role != "VIEWER" {
			t.Errorf("me { role } for a VIEWER: %v", self.Me.Role)
		}
		var login struct {
			Login struct{ User struct{ Role *string } }
		}
		admin.as("").ok(`mutation { login(username: "chen", password: "chen-password-1") { user { role } } }`, nil, &login)
		if login.Login.User.Role == nil || *login.Login.User.Role != "VIEWER" {
			t.Errorf("login { user { role } }: %v", login.Login.User.Role)
		}
	})
}

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
