package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"wms/db/dbtest"
)

// The old deployment's failures, each driven against the real binary and
// MariaDB through a loopback proxy that can hold the database back, cut it
// off, and slow it down.

// dbProxy forwards to the database; down refuses new connections, cut also
// drops the open ones, delay holds each answer back.
type dbProxy struct {
	ln     net.Listener
	target string
	down   atomic.Bool
	delay  atomic.Int64 // nanoseconds before each answer of the database is passed on
	held   atomic.Int64 // answers held back by delay so far
	mu     sync.Mutex
	conns  map[net.Conn]bool
	// opened counts the connections made through the proxy, open those not
	// yet closed, and closedByDB those the database closed first.
	opened, open, closedByDB atomic.Int64
}

func newDBProxy(t *testing.T, target string) *dbProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				c.Close()
				continue
			}
			p.mu.Lock()
			target := p.target
			p.mu.Unlock()
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.track(c, up)
			p.opened.Add(1)
			p.open.Add(1)
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() {
				// The database hung up (MariaDB resets a connection it
				// times out), not wms nor a cut, which close it here.
				if err := p.copySlow(c, up); errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
					p.closedByDB.Add(1)
				}
				c.Close()
				p.open.Add(-1)
			}()
		}
	}()
	return p
}

func (p *dbProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

// copySlow passes the database's answers on, each held back by delay, and
// returns why it stopped: io.EOF or a reset when the database closed the
// connection, net.ErrClosed when this side did.
func (p *dbProxy) copySlow(dst, src net.Conn) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := p.delay.Load(); d > 0 {
				p.held.Add(1)
				time.Sleep(time.Duration(d))
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
	}
}

// cut drops every connection and refuses new ones: a network cut.
func (p *dbProxy) cut() {
	p.down.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *dbProxy) addr() string { return p.ln.Addr().String() }

// opsServer is the wms binary running against MariaDB through a dbProxy.
type opsServer struct {
	cmd  *exec.Cmd
	base string
	logs *logSink
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

func startOps(t *testing.T, proxy *dbProxy, dsnParams map[string]string, extra ...string) *opsServer {
	t.Helper()
	cfg, err := mysql.ParseDSN(dbtest.FreshMySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy.mu.Lock()
	proxy.target = cfg.Addr
	proxy.mu.Unlock()
	cfg.Addr = proxy.addr()
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	for k, v := range dsnParams {
		cfg.Params[k] = v
	}
	bin := procBinary(t)
	addr := procFreeAddr(t)
	s := &opsServer{cmd: exec.Command(bin), base: "http://" + addr, logs: &logSink{}, done: make(chan struct{})}
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "WMS_ADDR=" + addr, "WMS_DB=mysql",
		"WMS_MYSQL_DSN=" + cfg.FormatDSN(), "WMS_ADMIN_PASSWORD=" + procPassword, "WMS_REQUEST_TIMEOUT=2s",
		// These tests watch the pool's connections go idle: the outbox's
		// readers, which poll, are slowed to once an hour.
		"WMS_PLAYGROUND=false", "WMS_EVENT_POLL=1h"}, extra...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
		}
		if t.Failed() || os.Getenv("WMS_OPS_LOG") != "" {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	return s
}

func (s *opsServer) status(t *testing.T, path string) int {
	res, err := http.Get(s.base + path)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func (s *opsServer) waitReady(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for s.status(t, "/readyz") != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("not ready within %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// query sends a GraphQL document and returns the HTTP status and the first
// error code ("" when none).
func (s *opsServer) query(ctx context.Context, token, doc string) (int, string, error) {
	body, _ := json.Marshal(map[string]string{"query": doc})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var a procAnswer
	_ = json.NewDecoder(res.Body).Decode(&a)
	code := ""
	if len(a.Errors) > 0 {
		code, _ = a.Errors[0].Extensions["code"].(string)
		if code == "" {
			code = a.Errors[0].Message
		}
	}
	return res.StatusCode, code, nil
}

func (s *opsServer) login(t *testing.T) string {
	t.Helper()
	return procLogin(t, s.base)
}

// burst sends n queries at once and returns the error codes it got.
func (s *opsServer) burst(t *testing.T, token string, n int) []string {
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			status, code, err := s.query(context.Background(), token, `{ goodsList(first: 5) { totalCount nodes { name } } }`)
			if err != nil || status != 200 || code != "" {
				mu.Lock()
				failures = append(failures, strings.TrimSpace(code+" "+http.StatusText(status)+" "+errString(err)))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return failures
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func needMariaDB(t *testing.T) {
	if os.Getenv(dbtest.DSNVar) == "" {
		t.Skipf("%s is not set: process test against MariaDB skipped", dbtest.DSNVar)
	}
}

// Start-up order: the API listens before the database is there and becomes
// ready on its own when it appears.
func TestOpsBinaryWaitsForTheDatabase(t *testing.T) {
	needMariaDB(t)
	proxy := newDBProxy(t, "")
	proxy.down.Store(true)
	s := startOps(t, proxy, nil)
	deadline := time.Now().Add(10 * time.Second)
	for s.status(t, "/healthz") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/healthz never answered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := s.status(t, "/readyz"); code != 503 {
		t.Errorf("/readyz %d while the database is down", code)
	}
	proxy.down.Store(false)
	s.waitReady(t, 20*time.Second)
	if failures := s.burst(t, s.login(t), 5); len(failures) > 0 {
		t.Errorf("after start-up: %v", failures)
	}
}

// Dead pooled connections: MySQL closes connections idle past wait_timeout
// (8 h in production, 2 s here, and the pool told to keep them for an hour).
// The next burst must not see a single error.
func TestOpsConnectionsKilledByWaitTimeout(t *testing.T) {
	needMariaDB(t)
	proxy := newDBProxy(t, "")
	s := startOps(t, proxy, map[string]string{"wait_timeout": "2"},
		"WMS_DB_CONN_MAX_IDLE_TIME=1h", "WMS_DB_CONN_MAX_LIFETIME=1h")
	s.waitReady(t, 20*time.Second)
	token := s.login(t)
	if failures := s.burst(t, token, 30); len(failures) > 0 {
		t.Fatalf("warm-up: %v", failures)
	}
	// MariaDB closes every connection idle past wait_timeout: wait until it
	// has hung up on each one the pool holds.
	pooled := proxy.opened.Load()
	deadline := time.Now().Add(60 * time.Second)
	for proxy.open.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("MariaDB closed %d of %d idle connections within 60 s", proxy.closedByDB.Load(), pooled)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := proxy.closedByDB.Load(); got != pooled || pooled == 0 {
		t.Fatalf("MariaDB closed %d of the %d connections opened; wms closed the rest", got, pooled)
	}
	if failures := s.burst(t, token, 40); len(failures) > 0 {
		t.Errorf("after wait_timeout closed the pooled connections, %d of 40 requests failed: %v", len(failures), failures)
	}
	if proxy.opened.Load() == pooled {
		t.Error("the burst opened no new connection")
	}
	t.Logf("MariaDB closed all %d idle connections; the burst opened %d new ones", pooled, proxy.opened.Load()-pooled)
}

// A network cut: requests fail fast with UNAVAILABLE while the database is
// away, and succeed again, without a restart, when it is back.
func TestOpsDatabaseCutAndRestored(t *testing.T) {
	needMariaDB(t)
	proxy := newDBProxy(t, "")
	s := startOps(t, proxy, nil)
	s.waitReady(t, 20*time.Second)
	token := s.login(t)
	if failures := s.burst(t, token, 20); len(failures) > 0 {
		t.Fatalf("before the cut: %v", failures)
	}
	proxy.cut()
	for range 5 {
		start := time.Now()
		status, code, err := s.query(context.Background(), token, `{ goodsList { totalCount } }`)
		took := time.Since(start)
		if err != nil || code != "UNAVAILABLE" {
			t.Errorf("while cut: %d %q %v", status, code, err)
		}
		if took > 4*time.Second {
			t.Errorf("a request while cut took %v; the request timeout is 2s", took)
		}
	}
	if code := s.status(t, "/readyz"); code != 503 {
		t.Errorf("/readyz %d while cut", code)
	}
	proxy.down.Store(false)
	if failures := s.burst(t, token, 40); len(failures) > 0 {
		t.Errorf("after the database came back, %d of 40 requests failed: %v", len(failures), failures)
	}
	if code := s.status(t, "/readyz"); code != 200 {
		t.Errorf("/readyz %d after the cut", code)
	}
}

// Graceful shutdown: SIGTERM during a slow request lets it finish, then the
// process exits 0.
func TestOpsSIGTERMLetsRequestsFinish(t *testing.T) {
	needMariaDB(t)
	proxy := newDBProxy(t, "")
	s := startOps(t, proxy, nil, "WMS_REQUEST_TIMEOUT=30s")
	s.waitReady(t, 20*time.Second)
	token := s.login(t)
	proxy.delay.Store(int64(400 * time.Millisecond)) // each database answer now takes 0.4 s
	type result struct {
		status int
		code   string
		err    error
	}
	got := make(chan result, 1)
	held := proxy.held.Load()
	go func() {
		status, code, err := s.query(context.Background(), token, `{ goodsList { totalCount nodes { name } } }`)
		got <- result{status, code, err}
	}()
	// In flight: the database has answered it and the proxy holds the answer.
	deadline := time.Now().Add(20 * time.Second)
	for proxy.held.Load() == held {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the database")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || r.status != 200 || r.code != "" {
		t.Errorf("request in flight at SIGTERM: %d %q %v", r.status, r.code, r.err)
	}
	select {
	case <-s.done:
		if s.err != nil {
			t.Errorf("exit: %v", s.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not exit after SIGTERM")
	}
	if !strings.Contains(s.logs.String(), "shutting down") {
		t.Errorf("no shutdown logged")
	}
}
