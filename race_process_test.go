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
	"strings"
	"sync"
	"testing"
	"time"

	"wms/db/dbtest"
	"wms/model"
)

// procBinary builds the wms binary once for the process tests.
func procBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wms")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func procFreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// procStart runs the binary with env and waits until /readyz answers 200;
// it is interrupted when the test ends.
func procStart(t *testing.T, bin string, env ...string) string {
	t.Helper()
	base, _ := procLaunch(t, bin, os.Interrupt, env...)
	return base
}

// procLaunch runs the binary with env, waits until /readyz answers 200 and
// answers its base URL and process; stop is sent to it when the test ends.
func procLaunch(t *testing.T, bin string, stop os.Signal, env ...string) (string, *exec.Cmd) {
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
		_ = cmd.Process.Signal(stop)
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
				return "http://" + addr, cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server on %s not ready in 30s:\n%s", addr, logs.String())
	return "", nil
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
	if err := json.Unmarshal(a.Data["login"], &out); err != nil || out.Token == "" {
		t.Fatalf("login answer %s: %v", a.Data["login"], err)
	}
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
	decode := func(a procAnswer, field string, out any) {
		t.Helper()
		if err := json.Unmarshal(a.Data[field], out); err != nil {
			t.Fatalf("decode %s %s: %v", field, a.Data[field], err)
		}
	}
	var ids []string
	for i, name := range []string{"牛奶", "鸡蛋"} {
		a := mustQ(servers[i], `mutation($n: String!) { createCategory(input: {name: $n}) { id } }`, map[string]any{"n": name})
		var c struct{ ID string }
		decode(a, "createCategory", &c)
		a = mustQ(servers[1-i], `mutation($c: ID!, $n: String!) { createGoods(input: {name: $n, categoryId: $c}) { id } }`,
			map[string]any{"c": c.ID, "n": name})
		var g struct{ ID string }
		decode(a, "createGoods", &g)
		ids = append(ids, g.ID)
		// Two lots, the older one cheaper: FIFO sells it first.
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
			all: ledger(goodsId: $g, first: 200) { totalCount nodes { direction quantity amount } } }`, map[string]any{"g": id})
		var g struct {
			Stock struct{ OnHand, Value string }
		}
		decode(a, "goods", &g)
		var led struct {
			TotalCount int
			Nodes      []struct{ Direction, Quantity, Amount string }
		}
		decode(a, "all", &led)
		left := 20 - sold[id]
		if g.Stock.OnHand != fmt.Sprint(left) {
			t.Errorf("goods %s: on hand %s, want 20 − %d sold", id, g.Stock.OnHand, sold[id])
		}
		// What is left is the newest units: up to 10 at 1.30, the rest at 1.25.
		want := model.Money(min(left, 10)*130 + max(left-10, 0)*125)
		if g.Stock.Value != want.String() {
			t.Errorf("goods %s: value %s, want %s for %d left (FIFO)", id, g.Stock.Value, want, left)
		}
		// One IN entry per lot, one OUT entry of one unit per unit sold, and
		// the entries add up to the value.
		ins, outs, total := 0, 0, model.Money(0)
		for _, n := range led.Nodes {
			amount, err := model.ParseMoney(strings.TrimPrefix(n.Amount, "-"))
			if err != nil {
				t.Fatalf("ledger amount %q: %v", n.Amount, err)
			}
			switch {
			case n.Direction == "IN" && n.Quantity == "10" && !strings.HasPrefix(n.Amount, "-"):
				ins++
				total += amount
			case n.Direction == "OUT" && n.Quantity == "-1" && strings.HasPrefix(n.Amount, "-"):
				outs++
				total -= amount
			default:
				t.Errorf("goods %s: ledger entry %+v", id, n)
			}
		}
		if ins != 2 || outs != sold[id] || led.TotalCount != len(led.Nodes) {
			t.Errorf("goods %s: %d IN and %d OUT entries (%d in all) for 2 lots and %d units sold", id, ins, outs, led.TotalCount, sold[id])
		}
		if total != want {
			t.Errorf("goods %s: the ledger adds up to %s, the stock is worth %s", id, total, want)
		}
	}
	t.Logf("sold %v over two processes", sold)
}
