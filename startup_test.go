package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/rs/zerolog"

	"wms/db/dbtest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startMain runs the program in-process with the given settings.
func startMain(t *testing.T, settings map[string]string) (*Main, string, *syncBuffer) {
	t.Helper()
	all := map[string]string{"WMS_ADDR": "127.0.0.1:0", "WMS_ADMIN_PASSWORD": "startup-password"}
	for k, v := range settings {
		all[k] = v
	}
	cfg, err := LoadConfig(env(all))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m := NewMain(cfg, zerolog.New(logs))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m, "http://" + m.Addr(), logs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func postQuery(t *testing.T, base, query string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	res, err := http.Post(base+"/query", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func waitReady(t *testing.T, m *Main, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !m.Ready() {
		select {
		case err := <-m.Failed():
			t.Fatalf("start-up failed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within %v", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartOnSQLite(t *testing.T) {
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(t.TempDir(), "new", "wms.db")})
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	waitReady(t, m, 5*time.Second)
	if code, body := get(t, base+"/readyz"); code != http.StatusOK || !strings.Contains(body, "ready") {
		t.Errorf("/readyz %d %s", code, body)
	}
	if code, body := postQuery(t, base, `mutation { login(username: "admin", password: "startup-password") { user { role } } }`); code != 200 || !strings.Contains(body, `"ADMIN"`) {
		t.Errorf("login as the bootstrap admin: %d %s", code, body)
	}
	for _, path := range []string{"/", "/playground"} {
		code, body := get(t, base+path)
		if code != 200 || !strings.Contains(body, "<html") {
			t.Errorf("%s: %d", path, code)
		}
		// Everything the IDE loads comes from the binary, never a CDN.
		srcs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(body, -1)
		if len(srcs) < 3 {
			t.Errorf("%s loads %d scripts and styles; want GraphiQL, React and its CSS", path, len(srcs))
		}
		for _, src := range srcs {
			if strings.Contains(src[1], "//") {
				t.Errorf("%s loads %s from elsewhere", path, src[1])
			} else if code, _ := get(t, base+src[1]); code != 200 {
				t.Errorf("%s: asset %s answers %d", path, src[1], code)
			}
		}
	}
}

// forwarder is a loopback TCP proxy to a database that can be switched off
// and on, standing in for a database that is not up yet.
type forwarder struct {
	ln     net.Listener
	target string
	on     atomic.Bool
}

func newForwarder(t *testing.T, target string) *forwarder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !f.on.Load() {
				c.Close()
				continue
			}
			go func() {
				defer c.Close()
				d, err := net.Dial("tcp", f.target)
				if err != nil {
					return
				}
				defer d.Close()
				go func() { _, _ = io.Copy(d, c); d.Close() }()
				_, _ = io.Copy(c, d)
			}()
		}
	}()
	return f
}

func TestStartWaitsForADatabaseThatAppearsLate(t *testing.T) {
	cfg, err := mysql.ParseDSN(dbtest.FreshMySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	fw := newForwarder(t, cfg.Addr)
	cfg.Addr = fw.ln.Addr().String()
	m, base, logs := startMain(t, map[string]string{"WMS_DB": "mysql", "WMS_MYSQL_DSN": cfg.FormatDSN(), "WMS_DB_WAIT": "60s"})

	// Listening at once: alive, not ready, the API says why.
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz %d while the database is down", code)
	}
	time.Sleep(700 * time.Millisecond)
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "database") {
		t.Errorf("/readyz %d %s while the database is down", code, body)
	}
	if code, body := postQuery(t, base, `{ __typename }`); code != 503 || !strings.Contains(body, "UNAVAILABLE") {
		t.Errorf("/query %d %s while the database is down", code, body)
	}
	if !strings.Contains(logs.String(), "database not reachable yet") {
		t.Errorf("no retry logged:\n%s", logs.String())
	}
	if m.Ready() {
		t.Fatal("ready without a database")
	}
	fw.on.Store(true)
	waitReady(t, m, 15*time.Second)
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz %d %s once the database is up", code, body)
	}
	if code, body := postQuery(t, base, `mutation { login(username: "admin", password: "startup-password") { token } }`); code != 200 || !strings.Contains(body, "wmss_") {
		t.Errorf("login once ready: %d %s", code, body)
	}
}

func TestStartGivesUpAfterTheWait(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	m, _, _ := startMain(t, map[string]string{"WMS_DB": "mysql", "WMS_MYSQL_DSN": "wms:pw@tcp(" + addr + ")/wms", "WMS_DB_WAIT": "1s"})
	select {
	case err := <-m.Failed():
		if !strings.Contains(err.Error(), "not reachable after 1s") {
			t.Errorf("failure: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("start-up did not give up")
	}
}
