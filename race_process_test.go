package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"wms/db/dbtest"
)

// procBinary builds the wms binary once for the process tests.
func procBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wms")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func procFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// procStart runs the binary with env and waits until /readyz answers 200.
func procStart(t *testing.T, bin string, env ...string) string {
	t.Helper()
	addr := procFreeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "WMS_ADDR=" + addr, "WMS_LOG_LEVEL=warn", "WMS_PLAYGROUND=false"}, env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server %s log:\n%s", addr, logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return "http://" + addr
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server on %s not ready in 30s:\n%s", addr, logs.String())
	return ""
}

type procAnswer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// procLogin signs in as the bootstrap admin and returns the token.
func procLogin(t *testing.T, base string) string {
	t.Helper()
	a, err := procQuery(context.Background(), base, "", `mutation($p: String!) { login(username: "admin", password: $p) { token } }`,
		map[string]any{"p": procPassword})
	if err != nil || len(a.Errors) > 0 {
		t.Fatalf("login: %v %+v", err, a.Errors)
	}
	var out struct{ Token string }
	_ = json.Unmarshal(a.Data["login"], &out)
	return out.Token
}

const procPassword = "race-test-password"

func procQuery(ctx context.Context, base, token, query string, vars map[string]any) (procAnswer, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return procAnswer{}, err
	}
	defer res.Body.Close()
	var a procAnswer
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		return a, fmt.Errorf("status %d: %w", res.StatusCode, err)
	}
	return a, nil
}

// TestStockOutRaceAcrossTwoProcesses: two server processes share one MariaDB
// database and sell the same goods at once. Row locks, not anything in one
// process's memory, keep them from selling a unit twice.
func TestStockOutRaceAcrossTwoProcesses(t *testing.T) {
	dsn := dbtest.FreshMySQL(t)
	bin := procBinary(t)
	env := []string{"WMS_DB=mysql", "WMS_MYSQL_DSN=" + dsn, "WMS_ADMIN_PASSWORD=" + procPassword}
	servers := []string{procStart(t, bin, env...), procStart(t, bin, env...)}
	ctx := context.Background()
	token := procLogin(t, servers[1])

	mustQ := func(base, q string, vars map[string]any) procAnswer {
		t.Helper()
		a, err := procQuery(ctx, base, token, q, vars)
		if err != nil || len(a.Errors) > 0 {
			t.Fatalf("%s: %v %+v", q, err, a.Errors)
		}
		return a
	}
	var ids []string
	for i, name := range []string{"牛奶", "鸡蛋"} {
		a := mustQ(servers[i], `mutation($n: String!) { createCategory(input: {name: $n}) { id } }`, map[string]any{"n": name})
		var c struct{ ID string }
		_ = json.Unmarshal(a.Data["createCategory"], &c)
		a = mustQ(servers[1-i], `mutation($c: ID!, $n: String!) { createGoods(input: {name: $n, categoryId: $c}) { id } }`,
			map[string]any{"c": c.ID, "n": name})
		var g struct{ ID string }
		_ = json.Unmarshal(a.Data["createGoods"], &g)
		ids = append(ids, g.ID)
		for _, cost := range []string{"1.25", "1.30"} {
			mustQ(servers[i], `mutation($g: ID!, $c: Decimal!) { stockIn(input: {type: PURCHASE, lines: [{goodsId: $g, quantity: 10, unitCost: $c}]}) { id } }`,
				map[string]any{"g": g.ID, "c": cost})
		}
	}
	// 60 buyers, half on each process: 40 take one unit of milk, 20 take one
	// unit of each (a two-line document in the opposite goods order).
	var mu sync.Mutex
	sold := map[string]int{}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			lines := []map[string]any{{"goodsId": ids[0], "quantity": "1"}}
			if i%3 == 0 {
				lines = []map[string]any{{"goodsId": ids[1], "quantity": "1"}, {"goodsId": ids[0], "quantity": "1"}}
			}
			a, err := procQuery(ctx, servers[i%2], token, `mutation($in: StockOutInput!) { stockOut(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"reason": "CONSUME", "lines": lines}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("stock out: %v", err)
			case len(a.Errors) == 0:
				for _, l := range lines {
					sold[l["goodsId"].(string)]++
				}
			case a.Errors[0].Extensions["code"] != "INSUFFICIENT_STOCK":
				t.Errorf("stock out: %+v", a.Errors)
			}
		})
	}
	wg.Wait()
	if sold[ids[0]] != 20 {
		t.Errorf("sold %d units of 20 in stock of goods %s", sold[ids[0]], ids[0])
	}
	for _, id := range ids {
		a := mustQ(servers[0], `query($g: ID!) { goods(id: $g) { stock { onHand value } }
			all: ledger(goodsId: $g, first: 200) { totalCount nodes { quantity amount } } }`, map[string]any{"g": id})
		var g struct {
			Stock struct{ OnHand, Value string }
		}
		_ = json.Unmarshal(a.Data["goods"], &g)
		var led struct {
			Nodes []struct{ Quantity, Amount string }
		}
		_ = json.Unmarshal(a.Data["all"], &led)
		want := 20 - sold[id]
		if g.Stock.OnHand != fmt.Sprint(want) {
			t.Errorf("goods %s: on hand %s, want 20 − %d sold", id, g.Stock.OnHand, sold[id])
		}
		outs := 0
		for _, n := range led.Nodes {
			if n.Quantity[0] == '-' {
				outs++
			}
		}
		if outs < sold[id] {
			t.Errorf("goods %s: %d OUT entries for %d units sold", id, outs, sold[id])
		}
	}
	t.Logf("sold %v over two processes", sold)
}
