package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scrape returns the value of one sample of /metrics, by its exact line
// prefix (name and labels).
func scrape(t *testing.T, base, series string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /metrics:\n%s", series, b)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "wms.db"),
		"WMS_DB_CONN_MAX_IDLE_TIME": "300ms", "WMS_EVENT_POLL": "1h"})
	waitReady(t, m, 5*time.Second)
	open := `go_sql_open_connections{db_name="wms"}`
	idleClosed := `go_sql_max_idle_time_closed_total{db_name="wms"}`
	// Idle connections are closed after 300 ms: the pool empties…
	poll := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("not within 30 s: %s (%v open, %v closed for idle time)", what, scrape(t, base, open), scrape(t, base, idleClosed))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	poll("the pool empties", func() bool { return scrape(t, base, open) == 0 })
	closed := scrape(t, base, idleClosed)
	if closed < 1 {
		t.Errorf("the pool emptied but none closed for idle time: %v", closed)
	}
	// …fills again under load (one login, then requests that each look
	// their token up: concurrent logins from one address are refused), and
	// those connections too are closed once idle: the counter moves on,
	// however long the burst and the scrapes take.
	_, body := postQuery(t, base, `mutation { login(username: "admin", password: "startup-password") { token } }`)
	token := regexp.MustCompile(`"token":"([^"]+)"`).FindStringSubmatch(body)
	if token == nil {
		t.Fatalf("login: %s", body)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { graphQL(t, base, token[1], `{ me { username } }`) })
	}
	wg.Wait()
	poll("the burst's connections are closed for idle time", func() bool { return scrape(t, base, idleClosed) > closed })
	poll("the pool empties again", func() bool { return scrape(t, base, open) == 0 })
	if n := scrape(t, base, `go_sql_max_open_connections{db_name="wms"}`); n != 20 {
		t.Errorf("max open connections %v, want the configured 20", n)
	}
	if n := scrape(t, base, `wms_http_requests_total{method="POST",route="/query",status="200"}`); n < 20 {
		t.Errorf("requests counted: %v", n)
	}
	if n := scrape(t, base, `wms_graphql_operations_total{operation="anonymous",outcome="ok"}`); n < 20 {
		t.Errorf("signed-in operations counted: %v", n)
	}
	if n := scrape(t, base, `wms_graphql_operations_total{operation="unauthenticated",outcome="ok"}`); n != 1 {
		t.Errorf("the login counted: %v", n)
	}
	postQuery(t, base, `{ goodsList { totalCount } }`) // anonymous: refused
	if n := scrape(t, base, `wms_graphql_operations_total{operation="unauthenticated",outcome="UNAUTHENTICATED"}`); n != 1 {
		t.Errorf("refused operations counted: %v", n)
	}
	if n := scrape(t, base, `wms_http_request_duration_seconds_count{route="/query"}`); n < 21 {
		t.Errorf("latency observations: %v", n)
	}
	_ = scrape(t, base, `go_build_info{checksum="",modified="false",path="wms",revision="",vcs_time="",version="(devel)"}`)
}

func TestHealthcheckCommand(t *testing.T) {
	dir := t.TempDir()
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "wms.db")})
	waitReady(t, m, 5*time.Second)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	check := func(addr string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"healthcheck"}, env(map[string]string{"WMS_ADDR": addr}), &out, &errOut)
		return code, errOut.String()
	}
	if code, msg := check(":" + port); code != 0 {
		t.Errorf("ready server: %d %s", code, msg)
	}
	if code, msg := check("0.0.0.0:" + port); code != 0 {
		t.Errorf("ready server on 0.0.0.0: %d %s", code, msg)
	}
	if code, _ := check("127.0.0.1:" + procFreeAddrPort(t)); code != 1 {
		t.Errorf("nothing listening: %d", code)
	}
	// Not ready yet: 503 is unhealthy.
	proxyDown := newDBProxy(t, "127.0.0.1:1")
	proxyDown.down.Store(true)
	m2, base2, _ := startMain(t, map[string]string{"WMS_DB": "mysql", "WMS_MYSQL_DSN": "wms:pw@tcp(" + proxyDown.addr() + ")/wms"})
	_ = m2
	_, port2, _ := net.SplitHostPort(strings.TrimPrefix(base2, "http://"))
	if code, msg := check(":" + port2); code != 1 || !strings.Contains(msg, "503") {
		t.Errorf("starting server: %d %s", code, msg)
	}
}

func procFreeAddrPort(t *testing.T) string {
	_, port, _ := net.SplitHostPort(procFreeAddr(t))
	return port
}
