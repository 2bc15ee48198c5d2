package graph_test

import (
	"testing"

	"wms/db"
	"wms/db/dbtest"
)

// The kitchen's day through the API: receive boxes with a date, use by the
// piece, see what expires, write off what expired.
func TestKitchenDayThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		var cat categoryOut
		c.ok(createCategory, map[string]any{"name": "Dairy"}, &cat)
		var g struct {
			CreateGoods struct {
				ID, IssuePolicy string
				TracksExpiry    bool
				Packs           []struct{ Name, Quantity string }
			}
		}
		c.ok(`mutation($c: ID!) { createGoods(input: {name: "Yoghurt", categoryId: $c, unit: "cup", tracksExpiry: true, issuePolicy: FEFO,
			packs: [{name: "box", quantity: "12"}]}) { id issuePolicy tracksExpiry packs { name quantity } } }`,
			map[string]any{"c": cat.CreateCategory.ID}, &g)
		if g.CreateGoods.IssuePolicy != "FEFO" || !g.CreateGoods.TracksExpiry || len(g.CreateGoods.Packs) != 1 || g.CreateGoods.Packs[0].Quantity != "12" {
			t.Fatalf("goods %+v", g.CreateGoods)
		}
		id := g.CreateGoods.ID
		c.fail(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": id, "quantity": "1", "unitCost": "1"}}}}, "BAD_USER_INPUT")
		var si struct {
			StockIn struct {
				Warnings []string
				Lines    []struct{ Quantity, UnitCost, Amount, Pack, PackQuantity, ExpiresAt string }
			}
		}
		c.ok(`mutation($in: StockInInput!) { stockIn(input: $in) { warnings lines { quantity unitCost amount pack packQuantity expiresAt } } }`,
			map[string]any{"in": map[string]any{"type": "PURCHASE", "lines": []any{
				map[string]any{"goodsId": id, "quantity": "2", "pack": "box", "unitCost": "30", "expiresAt": "2099-06-01T00:00:00Z"},
				map[string]any{"goodsId": id, "quantity": "1", "pack": "box", "unitCost": "30", "expiresAt": "2020-01-01T00:00:00Z"},
			}}}, &si)
		l := si.StockIn.Lines[0]
		if l.Quantity != "24" || l.UnitCost != "2.50" || l.Amount != "60.00" || l.Pack != "box" || l.PackQuantity != "2" {
			t.Errorf("2 boxes answered %+v", l)
		}
		if len(si.StockIn.Warnings) != 1 {
			t.Errorf("warnings %q, want one for the line that expired before it came", si.StockIn.Warnings)
		}
		var so struct{ StockOut struct{ TotalCost string } }
		c.ok(`mutation($g: ID!) { stockOut(input: {reason: CONSUME, lines: [{goodsId: $g, quantity: "1", pack: "box"}, {goodsId: $g, quantity: "3"}]}) { totalCost } }`,
			map[string]any{"g": id}, &so)
		if so.StockOut.TotalCost != "37.50" {
			t.Errorf("1 box + 3 cost %s, want 37.50 (15 × 2.50)", so.StockOut.TotalCost)
		}
		var st struct {
			Stock struct {
				Nodes []struct {
					OnHand, ExpiredQuantity string
					NextExpiry              string
					InPacks                 []struct {
						Pack     *string
						Quantity string
					}
				}
			}
		}
		c.ok(`{ stock { nodes { onHand nextExpiry expiredQuantity inPacks { pack quantity } } } }`, nil, &st)
		n := st.Stock.Nodes[0]
		// FEFO took the 12 that had expired first, then 3 of the others.
		if n.OnHand != "21" || n.NextExpiry != "2099-06-01T00:00:00Z" || n.ExpiredQuantity != "0" || len(n.InPacks) != 2 ||
			*n.InPacks[0].Pack != "box" || n.InPacks[0].Quantity != "1" || n.InPacks[1].Pack != nil || n.InPacks[1].Quantity != "9" {
			t.Errorf("stock %+v", n)
		}
		var ex struct {
			ExpiringLots struct {
				Nodes []struct{ Remaining, RemainingValue, ExpiresAt string }
			}
		}
		c.ok(`{ expiringLots(before: "2099-07-01T00:00:00Z") { nodes { remaining remainingValue expiresAt } } }`, nil, &ex)
		if len(ex.ExpiringLots.Nodes) != 1 || ex.ExpiringLots.Nodes[0].Remaining != "21" || ex.ExpiringLots.Nodes[0].RemainingValue != "52.50" {
			t.Errorf("expiring %+v", ex.ExpiringLots.Nodes)
		}
		var wo struct {
			WriteOffExpired *struct {
				Reason, TotalCost string
				Lines             []struct{ Lot struct{ ID string } }
			}
		}
		c.ok(`mutation { writeOffExpired(input: {before: "2099-07-01T00:00:00Z"}) { reason totalCost lines { lot { id } } } }`, nil, &wo)
		if wo.WriteOffExpired == nil || wo.WriteOffExpired.Reason != "EXPIRED" || wo.WriteOffExpired.TotalCost != "52.50" ||
			len(wo.WriteOffExpired.Lines) != 1 || wo.WriteOffExpired.Lines[0].Lot.ID == "" {
			t.Errorf("write-off %+v", wo.WriteOffExpired)
		}
		c.ok(`mutation { writeOffExpired(input: {before: "2099-07-01T00:00:00Z"}) { id } }`, nil, &wo)
		if wo.WriteOffExpired != nil {
			t.Errorf("a second write-off wrote %+v", wo.WriteOffExpired)
		}
	})
}
