package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// One stockOut, traced with the SDK's in-memory exporter, is one trace: the
// HTTP request's span (with the request id and the user id) is the root, the
// GraphQL operation's span, named by the operation, its child, and the SQL
// statements the children of that; no span carries the token or password.
func TestTraceOfOneStockOut(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{"WMS_ADDR": "127.0.0.1:0", "WMS_ADMIN_PASSWORD": procPassword,
		"WMS_SQLITE_PATH": filepath.Join(t.TempDir(), "wms.db"), "WMS_MEDIA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewInMemoryExporter()
	m := NewMain(cfg, zerolog.Nop())
	m.Tracing = sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	waitReady(t, m, 10*time.Second)
	base := "http://" + m.Addr()
	token := procLogin(t, base)
	ctx := context.Background()
	must := func(q string, vars map[string]any) json.RawMessage {
		t.Helper()
		a, err := procQuery(ctx, base, token, q, vars)
		if err != nil || len(a.Errors) > 0 {
			t.Fatalf("%s: %v %+v", q, err, a.Errors)
		}
		for _, v := range a.Data {
			return v
		}
		return nil
	}
	var c, g struct{ ID string }
	_ = json.Unmarshal(must(`mutation { createCategory(input: {name: "蔬菜"}) { id } }`, nil), &c)
	_ = json.Unmarshal(must(`mutation($c: ID!) { createGoods(input: {name: "土豆", categoryId: $c}) { id } }`, map[string]any{"c": c.ID}), &g)
	must(`mutation($g: ID!) { stockIn(input: {type: PURCHASE, lines: [{goodsId: $g, quantity: 10, unitCost: "2.50"}]}) { id } }`, map[string]any{"g": g.ID})
	var me struct{ ID string }
	_ = json.Unmarshal(must(`{ me { id } }`, nil), &me)
	spans.Reset()

	body, _ := json.Marshal(map[string]any{"operationName": "SellPotatoes",
		"query":     `mutation SellPotatoes($g: ID!) { stockOut(input: {reason: CONSUME, lines: [{goodsId: $g, quantity: 3}]}) { code } }`,
		"variables": map[string]any{"g": g.ID}})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	requestID := res.Header.Get("X-Request-Id")
	if res.StatusCode != http.StatusOK || requestID == "" {
		t.Fatalf("stockOut: %d, request id %q", res.StatusCode, requestID)
	}

	var root, op tracetest.SpanStub
	deadline := time.Now().Add(3 * time.Second)
	for root.Name == "" && time.Now().Before(deadline) {
		for _, s := range spans.GetSpans() {
			if s.Name == "POST /query" && s.SpanKind == trace.SpanKindServer {
				root = s
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	attrs := func(s tracetest.SpanStub) map[string]string {
		out := map[string]string{}
		for _, a := range s.Attributes {
			out[string(a.Key)] = a.Value.Emit()
		}
		return out
	}
	if root.Name == "" {
		t.Fatalf("no span for the request; spans: %v", names(spans.GetSpans()))
	}
	if a := attrs(root); a["wms.request_id"] != requestID || a["enduser.id"] != me.ID || a["http.response.status_code"] != "200" {
		t.Errorf("request span attributes %v; want request id %s and user %s", a, requestID, me.ID)
	}
	var sql []tracetest.SpanStub
	for _, s := range spans.GetSpans() {
		if s.SpanContext.TraceID() != root.SpanContext.TraceID() {
			continue
		}
		if s.Parent.SpanID() == root.SpanContext.SpanID() && s.Name == "mutation SellPotatoes" {
			op = s
		}
		for _, a := range s.Attributes {
			if v := a.Value.Emit(); strings.Contains(v, token) || strings.Contains(v, procPassword) {
				t.Errorf("span %s carries a secret in %s", s.Name, a.Key)
			}
		}
	}
	if op.Name == "" {
		t.Fatalf("no operation span under the request; spans: %v", names(spans.GetSpans()))
	}
	if a := attrs(op); a["graphql.operation.name"] != "SellPotatoes" || a["graphql.operation.type"] != "mutation" || a["enduser.id"] != me.ID {
		t.Errorf("operation span attributes %v", a)
	}
	tables := map[string]bool{}
	for _, s := range spans.GetSpans() {
		if s.Parent.SpanID() == op.SpanContext.SpanID() && s.SpanKind == trace.SpanKindClient {
			sql = append(sql, s)
			tables[attrs(s)["db.collection.name"]] = true
		}
	}
	for _, table := range []string{"stock_outs", "ledger_entries", "lots"} {
		if !tables[table] {
			t.Errorf("no SQL span on %s under the operation; SQL spans: %v", table, names(sql))
		}
	}
	t.Logf("%d SQL spans under %q: %v", len(sql), op.Name, names(sql))
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
