package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"wms/db/dbtest"
)

// wms and the hand-written pages (handwritten_test.go) side by side on one
// database, and the shop they serve: the set-up of the test that holds the
// yardstick to wms's answers and of the read benchmark (readbench_test.go).

// sideBySide is wms running in-process on a fresh database and the
// yardstick on its own port over the same database, with an API token.
type sideBySide struct {
	wms  string // base URL of wms
	hand string // base URL of the yardstick
	// admin is the first ADMIN's session, which seeds the shop; token is the
	// VIEWER API token that reads the pages.
	admin, token string
}

// startSideBySide starts wms with its production settings on a fresh
// database of the named kind (dbtest.SQLite, or dbtest.MySQL when
// WMS_TEST_MYSQL_DSN is set, else skipped), its log in wms's production
// form into logs, signs in as the first ADMIN and makes a VIEWER API token.
func startSideBySide(tb testing.TB, name string, logs io.Writer) *sideBySide {
	tb.Helper()
	const password = "side-by-side-admin-pw"
	dir := tb.TempDir()
	vars := map[string]string{"WMS_ADDR": "127.0.0.1:0", "WMS_MEDIA_DIR": dir + "/media",
		"WMS_ADMIN_PASSWORD": password, "WMS_LOG_FORMAT": "json"}
	switch name {
	case dbtest.SQLite:
		vars["WMS_SQLITE_PATH"] = dir + "/wms.db"
	case dbtest.MySQL:
		vars["WMS_DB"] = "mysql"
		vars["WMS_MYSQL_DSN"] = dbtest.FreshMySQL(tb)
	}
	cfg, err := LoadConfig(lookupIn(vars))
	if err != nil {
		tb.Fatal(err)
	}
	m := NewMain(cfg, newLogger(cfg, logs))
	if err := m.Run(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !m.Ready() {
		select {
		case err := <-m.Failed():
			tb.Fatalf("start-up failed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatal("wms not ready within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s := &sideBySide{wms: "http://" + m.Addr()}
	var login struct{ Login struct{ Token string } }
	s.mutate(tb, `mutation($p: String!) { login(username: "admin", password: $p) { token } }`,
		map[string]any{"p": password}, &login)
	s.admin = login.Login.Token
	s.token, _ = s.apiToken(tb)

	hand, err := openHandPages(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(hand)
	tb.Cleanup(func() {
		srv.Close()
		_ = hand.Close()
	})
	s.hand = srv.URL
	return s
}

// apiToken makes a VIEWER API token that expires in a year (so that its
// expiry is read and checked) and answers its secret and id.
func (s *sideBySide) apiToken(tb testing.TB) (secret, id string) {
	tb.Helper()
	var made struct {
		CreateAPIToken struct {
			Token    string
			APIToken struct{ ID string } `json:"apiToken"`
		} `json:"createApiToken"`
	}
	s.mutate(tb, `mutation($at: Time!) { createApiToken(input: {name: "side by side", role: VIEWER, expiresAt: $at}) {
		token apiToken { id } } }`, map[string]any{"at": time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)}, &made)
	return made.CreateAPIToken.Token, made.CreateAPIToken.APIToken.ID
}

// post sends a GraphQL document to base/query with the token and answers
// the status and body.
func (s *sideBySide) post(tb testing.TB, base, token, query string, vars map[string]any) (int, []byte) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		tb.Fatalf("POST %s/query: %v", base, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("POST %s/query: read: %v", base, err)
	}
	return res.StatusCode, b
}

// mutate runs a document on wms as the ADMIN and decodes its data into out;
// any error fails the test.
func (s *sideBySide) mutate(tb testing.TB, query string, vars map[string]any, out any) {
	tb.Helper()
	status, body := s.post(tb, s.wms, s.admin, query, vars)
	var a struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(body, &a); err != nil || status != http.StatusOK || len(a.Errors) > 0 {
		tb.Fatalf("%s: %d %s", query, status, body)
	}
	if out != nil {
		if err := json.Unmarshal(a.Data, out); err != nil {
			tb.Fatalf("%s: decode %s: %v", query, a.Data, err)
		}
	}
}

// page asks one server for a page and checks that it answered 200 with data
// and no errors.
func (s *sideBySide) page(tb testing.TB, base, query string) []byte {
	tb.Helper()
	status, body := s.post(tb, base, s.token, query, nil)
	var a struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []any                      `json:"errors"`
	}
	if err := json.Unmarshal(body, &a); err != nil || status != http.StatusOK || len(a.Errors) > 0 || len(a.Data) != 1 {
		tb.Fatalf("%s answered %d:\n%s", base, status, body)
	}
	return body
}

// ─── the shop both serve ────────────────────────────────────────────────────

// shopGoods is one goods of a seeded shop.
type shopGoods struct {
	name, unit string
	sku        *string
	threshold  *string
	category   int
	// lots are the stock-ins' lines: quantity and unit cost.
	lots     [][2]string
	out      string // taken out again, when not ""
	archived bool
}

// shopPlan lays out a shop of n goods in categories: names in several
// scripts with quotes, <, & and a line separator (which the API escapes), the
// same name in two cases (ordered by id), goods without an SKU, with a
// low-stock threshold, never stocked, emptied again, with two lots at
// different costs, and archived ones.
func shopPlan(n, categories int) (cats []string, goods []shopGoods) {
	catNames := []string{"蔬菜 🥬", `"Drinks" & <more>`, "Молоко", "dairy", "Früchte", "tools\u2028misc"}
	for i := range categories {
		cats = append(cats, fmt.Sprintf("%s %02d", catNames[i%len(catNames)], i))
	}
	// Äpfel and äpfel fold alike: with the same number they are ordered by id.
	words := []string{"牛奶", `"Quoted" tea`, "Tom & <Jerry>", "line\u2028break", "Äpfel", "äpfel", "🍎 apple",
		"Apple", "carrot", "O'Brien's oats", `back\slash`}
	units := []string{"kg", "pcs", "箱"}
	quantities := []string{"12.5", "0.001", "3", "250", "1000000"}
	costs := []string{"2.25", "0.3333", "1999.9999", "0", "0.0001"}
	for i := range n {
		g := shopGoods{
			name:     fmt.Sprintf("%04d %s", i/2, words[i%len(words)]),
			unit:     units[i%len(units)],
			category: i % categories,
			archived: i%12 == 11,
		}
		if i%4 != 0 {
			sku := fmt.Sprintf(`SKU-"%d"`, i)
			g.sku = &sku
		}
		switch i % 5 {
		case 0:
			g.threshold = new("10")
		case 1:
			g.threshold = new("0.5")
		}
		if i%10 != 9 {
			g.lots = append(g.lots, [2]string{quantities[i%len(quantities)], costs[i%len(costs)]})
			if i%3 == 0 {
				g.lots = append(g.lots, [2]string{"1.5", "0.3333"})
			}
			if i%7 == 0 {
				g.out = "0.001"
			}
		}
		goods = append(goods, g)
	}
	return cats, goods
}

// seed writes the shop through wms's API, fifty items a request: the
// categories, the goods, their stock-ins (one document per fifty lines) and
// stock-outs, and the archiving.
func (s *sideBySide) seed(tb testing.TB, cats []string, goods []shopGoods) {
	tb.Helper()
	catIDs := make([]string, len(cats))
	for start := 0; start < len(cats); start += 50 {
		var doc strings.Builder
		vars := map[string]any{}
		doc.WriteString("mutation(")
		var fields strings.Builder
		for i := start; i < min(start+50, len(cats)); i++ {
			fmt.Fprintf(&doc, "$c%d: String!,", i)
			fmt.Fprintf(&fields, "c%d: createCategory(input: {name: $c%d}) { id } ", i, i)
			vars["c"+strconv.Itoa(i)] = cats[i]
		}
		doc.WriteString(") { " + fields.String() + "}")
		var out map[string]struct{ ID string }
		s.mutate(tb, doc.String(), vars, &out)
		for i := start; i < min(start+50, len(cats)); i++ {
			catIDs[i] = out["c"+strconv.Itoa(i)].ID
		}
	}
	ids := make([]string, len(goods))
	for start := 0; start < len(goods); start += 50 {
		var doc, fields strings.Builder
		vars := map[string]any{}
		doc.WriteString("mutation(")
		for i := start; i < min(start+50, len(goods)); i++ {
			g := goods[i]
			fmt.Fprintf(&doc, "$g%d: CreateGoodsInput!,", i)
			fmt.Fprintf(&fields, "g%d: createGoods(input: $g%d) { id } ", i, i)
			vars["g"+strconv.Itoa(i)] = map[string]any{"name": g.name, "unit": g.unit, "sku": g.sku,
				"lowStockThreshold": g.threshold, "categoryId": catIDs[g.category]}
		}
		doc.WriteString(") { " + fields.String() + "}")
		var out map[string]struct{ ID string }
		s.mutate(tb, doc.String(), vars, &out)
		for i := start; i < min(start+50, len(goods)); i++ {
			ids[i] = out["g"+strconv.Itoa(i)].ID
		}
	}
	var ins, outs []map[string]any
	var archive []string
	for i, g := range goods {
		for _, l := range g.lots {
			ins = append(ins, map[string]any{"goodsId": ids[i], "quantity": l[0], "unitCost": l[1]})
		}
		if g.out != "" {
			outs = append(outs, map[string]any{"goodsId": ids[i], "quantity": g.out})
		}
		if g.archived {
			archive = append(archive, ids[i])
		}
	}
	for start := 0; start < len(ins); start += 50 {
		s.mutate(tb, `mutation($in: StockInInput!) { stockIn(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"type": "PURCHASE", "lines": ins[start:min(start+50, len(ins))]}}, nil)
	}
	for start := 0; start < len(outs); start += 50 {
		s.mutate(tb, `mutation($in: StockOutInput!) { stockOut(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"reason": "CONSUME", "lines": outs[start:min(start+50, len(outs))]}}, nil)
	}
	for start := 0; start < len(archive); start += 50 {
		var fields strings.Builder
		for i, id := range archive[start:min(start+50, len(archive))] {
			fmt.Fprintf(&fields, "a%d: archiveGoods(id: %q) { id } ", i, id)
		}
		s.mutate(tb, "mutation { "+fields.String()+"}", nil, nil)
	}
}
