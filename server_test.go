package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/rs/zerolog"

	"wms/db"
	"wms/db/dbtest"
)

// testAdminPassword is the first ADMIN's password in these tests.
const testAdminPassword = "server-test-admin-pw"

// httpClient never waits forever on a server under test.
var httpClient = &http.Client{Timeout: 10 * time.Second}

// logSink collects the server's JSON log lines; its goroutines write while
// the test reads.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// entries are the log lines with the given message, decoded.
func (s *logSink) entries(t *testing.T, message string) []map[string]any {
	t.Helper()
	var found []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("a log line is not JSON: %v\n%s", err, sc.Text())
		}
		if e["message"] == message {
			found = append(found, e)
		}
	}
	return found
}

// running is a Main started in-process for one test.
type running struct {
	*Main
	base string // http://127.0.0.1:port
	logs *logSink

	closeOnce sync.Once
	closeErr  error
}

// close closes the Main once; the test's cleanup does it too when the test
// did not.
func (r *running) close() error {
	r.closeOnce.Do(func() { r.closeErr = r.Main.Close() })
	return r.closeErr
}

// bootMain starts the program as serve does, on a free loopback port, with
// vars over a few test defaults (a temporary SQLite database, a known admin
// password), and closes it when the test ends.
func bootMain(t *testing.T, vars map[string]string) *running {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		"WMS_ADDR":           "127.0.0.1:0",
		"WMS_SQLITE_PATH":    filepath.Join(dir, "data", "wms.db"),
		"WMS_MEDIA_DIR":      filepath.Join(dir, "media"),
		"WMS_ADMIN_PASSWORD": testAdminPassword,
	}
	for k, v := range vars {
		all[k] = v
	}
	cfg, err := LoadConfig(lookupIn(all))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &logSink{}
	m := NewMain(cfg, zerolog.New(logs).With().Timestamp().Logger())
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	r := &running{Main: m, base: "http://" + m.Addr(), logs: logs}
	t.Cleanup(func() {
		if err := r.close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return r
}

// waitUntilReady polls Ready, failing at once if start-up reports a failure.
func waitUntilReady(t *testing.T, r *running, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !r.Ready() {
		select {
		case err := <-r.Failed():
			t.Fatalf("start-up failed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within %v", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventually polls cond until it holds or within has passed.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type httpAnswer struct {
	status int
	header http.Header
	body   string
}

func fetch(t *testing.T, method, url string, body io.Reader, header map[string]string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	return httpAnswer{res.StatusCode, res.Header, string(b)}
}

func getURL(t *testing.T, url string) httpAnswer {
	t.Helper()
	return fetch(t, http.MethodGet, url, nil, nil)
}

// gqlAnswer is a GraphQL response.
type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	} `json:"errors"`
}

// graphQL posts a document to /query the way a client does, with the token
// when there is one.
func graphQL(t *testing.T, base, token, document string) (int, gqlAnswer) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": document})
	header := map[string]string{"Content-Type": "application/json"}
	if token != "" {
		header["Authorization"] = "Bearer " + token
	}
	res := fetch(t, http.MethodPost, base+"/query", bytes.NewReader(body), header)
	var a gqlAnswer
	if err := json.Unmarshal([]byte(res.body), &a); err != nil {
		t.Fatalf("/query answered %d with no GraphQL JSON: %v\n%s", res.status, err, res.body)
	}
	return res.status, a
}

// loginAsAdmin signs in as the bootstrap ADMIN and returns the session token.
func loginAsAdmin(t *testing.T, base string) string {
	t.Helper()
	status, a := graphQL(t, base, "", fmt.Sprintf(`mutation { login(username: "admin", password: %q) { token } }`, testAdminPassword))
	var data struct {
		Login struct{ Token string } `json:"login"`
	}
	if status != http.StatusOK || len(a.Errors) > 0 || json.Unmarshal(a.Data, &data) != nil || data.Login.Token == "" {
		t.Fatalf("login as the bootstrap admin: %d %+v %s", status, a.Errors, a.Data)
	}
	return data.Login.Token
}

// countCategories asks the API for the number of categories, which needs a
// migrated database.
func countCategories(t *testing.T, base, token string) int {
	t.Helper()
	status, a := graphQL(t, base, token, `{ categories { totalCount } }`)
	var data struct {
		Categories struct{ TotalCount *int } `json:"categories"`
	}
	if status != http.StatusOK || len(a.Errors) > 0 || json.Unmarshal(a.Data, &data) != nil || data.Categories.TotalCount == nil {
		t.Fatalf("{ categories { totalCount } }: %d %+v %s", status, a.Errors, a.Data)
	}
	return *data.Categories.TotalCount
}

// readiness is what /readyz answers.
func readiness(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	res := getURL(t, base+"/readyz")
	var body map[string]string
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatalf("/readyz answered %d, not JSON: %s", res.status, res.body)
	}
	return res.status, body
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) (host string, port string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	host, port, _ = net.SplitHostPort(addr)
	return host, port
}

func TestMainServesOnSQLite(t *testing.T) {
	const dbSecret = "unused-mysql-secret"
	r := bootMain(t, map[string]string{"WMS_MYSQL_PASSWORD": dbSecret})

	if res := getURL(t, r.base+"/healthz"); res.status != http.StatusOK || !strings.Contains(res.body, `"ok"`) {
		t.Errorf("/healthz: %d %s", res.status, res.body)
	}
	waitUntilReady(t, r, 10*time.Second)
	if status, body := readiness(t, r.base); status != http.StatusOK || body["status"] != "ready" {
		t.Errorf("/readyz when ready: %d %v", status, body)
	}
	token := loginAsAdmin(t, r.base)
	if n := countCategories(t, r.base, token); n != 0 {
		t.Errorf("a new database has %d categories", n)
	}
	if _, err := os.Stat(r.Config.SQLitePath); err != nil {
		t.Errorf("the SQLite file (and its folder) was not created: %v", err)
	}
	if len(r.logs.entries(t, "ready")) != 1 {
		t.Errorf("no single \"ready\" log line:\n%s", r.logs.String())
	}
	select {
	case err := <-r.Failed():
		t.Errorf("Failed() delivered %v on a good start", err)
	default:
	}

	if err := r.close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := (&http.Client{Timeout: time.Second}).Get(r.base + "/healthz"); err == nil {
		t.Error("still answering after Close")
	}
	if logs := r.logs.String(); strings.Contains(logs, testAdminPassword) || strings.Contains(logs, dbSecret) {
		t.Errorf("a secret in the log:\n%s", logs)
	}
}

// The IDE works on a network that cannot reach a CDN: the page loads only
// files the binary serves, and their integrity hashes match what it serves.
func TestMainServesALocalPlayground(t *testing.T) {
	r := bootMain(t, nil)
	attr := regexp.MustCompile(`<(script|link)\b[^>]*?\b(src|href)="([^"]*)"[^>]*>`)
	integrity := regexp.MustCompile(`integrity="([^"]*)"`)
	for _, path := range []string{"/", "/playground"} {
		t.Run(path, func(t *testing.T) {
			page := getURL(t, r.base+path)
			if page.status != http.StatusOK || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
				!strings.Contains(strings.ToLower(page.body), "<html") || !strings.Contains(page.body, "/query") {
				t.Fatalf("%s: %d %s\n%.300s", path, page.status, page.header.Get("Content-Type"), page.body)
			}
			for _, cdn := range []string{"http://", "https://", "unpkg", "jsdelivr", "cdnjs"} {
				if strings.Contains(page.body, cdn) {
					t.Errorf("the page mentions %q", cdn)
				}
			}
			tags := attr.FindAllStringSubmatch(page.body, -1)
			scripts := 0
			for _, tag := range tags {
				if tag[1] == "script" {
					scripts++
				}
				url := tag[3]
				if !strings.HasPrefix(url, "/") || strings.HasPrefix(url, "//") {
					t.Errorf("%s loads %q from elsewhere", tag[1], url)
					continue
				}
				asset := getURL(t, r.base+url)
				if asset.status != http.StatusOK || len(asset.body) < 1000 {
					t.Errorf("%s: %d, %d bytes", url, asset.status, len(asset.body))
					continue
				}
				sum := sha256.Sum256([]byte(asset.body))
				want := "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
				if m := integrity.FindStringSubmatch(tag[0]); m == nil || html.UnescapeString(m[1]) != want {
					t.Errorf("%s: integrity %v, the served file hashes to %s", url, m, want)
				}
			}
			if scripts < 3 {
				t.Errorf("%d scripts on the page; want React, ReactDOM and GraphiQL", scripts)
			}
		})
	}

	off := bootMain(t, map[string]string{"WMS_PLAYGROUND": "false"})
	for _, path := range []string{"/", "/playground"} {
		if res := getURL(t, off.base+path); res.status != http.StatusNotFound {
			t.Errorf("WMS_PLAYGROUND=false, %s: %d", path, res.status)
		}
	}
}

// gate is a loopback TCP forwarder standing in for a database that is not up
// yet: while closed it accepts each connection and hangs up at once (counting
// the attempt); once opened it forwards to the real server.
type gate struct {
	ln       net.Listener
	target   string
	open     atomic.Bool
	refused  atomic.Int64
	mu       sync.Mutex
	conns    []net.Conn
	finished sync.WaitGroup
}

func newGate(t *testing.T, target string) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{ln: ln, target: target}
	g.finished.Add(1)
	go g.accept()
	t.Cleanup(g.shut)
	return g
}

func (g *gate) accept() {
	defer g.finished.Done()
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		if !g.open.Load() {
			g.refused.Add(1)
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", g.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		g.mu.Lock()
		g.conns = append(g.conns, c, up)
		g.mu.Unlock()
		g.finished.Add(2)
		go g.pipe(up, c)
		go g.pipe(c, up)
	}
}

func (g *gate) pipe(dst, src net.Conn) {
	defer g.finished.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// shut stops listening and cuts every forwarded connection.
func (g *gate) shut() {
	_ = g.ln.Close()
	g.mu.Lock()
	for _, c := range g.conns {
		_ = c.Close()
	}
	g.mu.Unlock()
	g.finished.Wait()
}

func (g *gate) port() string {
	_, port, _ := net.SplitHostPort(g.ln.Addr().String())
	return port
}

// The API container starts before MySQL (depends_on does not wait): wms
// listens at once, says why it is not ready, retries with a log line per try,
// and serves as soon as the database answers, without a restart.
func TestMainWaitsForAMariaDBThatAppearsLate(t *testing.T) {
	if os.Getenv(dbtest.DSNVar) == "" {
		t.Skipf("needs %s (e.g. root@tcp(127.0.0.1:3306)/wms_dev) pointing at a MariaDB or MySQL server", dbtest.DSNVar)
	}
	real, err := mysql.ParseDSN(dbtest.FreshMySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	g := newGate(t, real.Addr)
	vars := map[string]string{
		"WMS_DB":             "mysql",
		"WMS_MYSQL_HOST":     "127.0.0.1",
		"WMS_MYSQL_PORT":     g.port(),
		"WMS_MYSQL_USER":     real.User,
		"WMS_MYSQL_DATABASE": real.DBName,
		"WMS_DB_WAIT":        "60s",
	}
	if real.Passwd != "" {
		vars["WMS_MYSQL_PASSWORD"] = real.Passwd
	}
	r := bootMain(t, vars)

	// Alive at once, whatever the database does.
	if res := getURL(t, r.base+"/healthz"); res.status != http.StatusOK {
		t.Errorf("/healthz while the database is down: %d %s", res.status, res.body)
	}
	eventually(t, 10*time.Second, "two failed attempts logged", func() bool {
		return len(r.logs.entries(t, "database not reachable yet")) >= 2
	})
	for i, e := range r.logs.entries(t, "database not reachable yet") {
		if e["level"] != "warn" || e["attempt"] != float64(i+1) || e["retry_in_ms"] == nil || e["error"] == nil {
			t.Errorf("retry log line %d: %v", i+1, e)
		}
	}
	if g.refused.Load() < 2 {
		t.Errorf("%d connection attempts reached the database address", g.refused.Load())
	}

	if r.Ready() {
		t.Fatal("ready with no database")
	}
	if status, body := readiness(t, r.base); status != http.StatusServiceUnavailable ||
		body["status"] != "starting" || body["reason"] != "database unreachable" {
		t.Errorf("/readyz while the database is down: %d %v", status, body)
	}
	status, a := graphQL(t, r.base, "", `{ __typename }`)
	if status != http.StatusServiceUnavailable || len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != "UNAVAILABLE" ||
		!strings.Contains(a.Errors[0].Message, "database") {
		t.Errorf("/query while the database is down: %d %+v", status, a)
	}
	if res := fetch(t, http.MethodGet, r.base+"/query?query=%7B__typename%7D", nil, nil); res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
		t.Errorf("GET /query while the database is down: %d, Retry-After %q", res.status, res.header.Get("Retry-After"))
	}

	g.open.Store(true)
	waitUntilReady(t, r, 15*time.Second)
	if status, body := readiness(t, r.base); status != http.StatusOK || body["status"] != "ready" {
		t.Errorf("/readyz once the database is up: %d %v", status, body)
	}
	if n := countCategories(t, r.base, loginAsAdmin(t, r.base)); n != 0 {
		t.Errorf("a new database has %d categories", n)
	}
	if len(r.logs.entries(t, "database migrated")) != 1 {
		t.Errorf("no \"database migrated\" line:\n%s", r.logs.String())
	}
	if err := r.close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// A database that never appears ends start-up after WMS_DB_WAIT with an
// error saying so (serve then exits 1 and the orchestrator restarts it); the
// password is in neither the error nor the log.
func TestMainGivesUpWhenTheDatabaseNeverAppears(t *testing.T) {
	const password = "never-logged-pw"
	host, port := freeAddr(t)
	r := bootMain(t, map[string]string{
		"WMS_DB": "mysql", "WMS_MYSQL_HOST": host, "WMS_MYSQL_PORT": port,
		"WMS_MYSQL_PASSWORD": password, "WMS_DB_WAIT": "1s",
	})
	start := time.Now()
	var err error
	select {
	case err = <-r.Failed():
	case <-time.After(15 * time.Second):
		t.Fatal("start-up did not give up")
	}
	t.Logf("gave up after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if !strings.Contains(err.Error(), "not reachable after 1s") {
		t.Errorf("the error does not mention the wait: %v", err)
	}
	if r.Ready() {
		t.Error("ready without a database")
	}
	if status, body := readiness(t, r.base); status != http.StatusServiceUnavailable || !strings.Contains(body["reason"], "database") {
		t.Errorf("/readyz after giving up: %d %v", status, body)
	}
	if strings.Contains(err.Error(), password) || strings.Contains(r.logs.String(), password) {
		t.Errorf("the password leaked:\n%v\n%s", err, r.logs.String())
	}
	if err := r.close(); err != nil {
		t.Errorf("close after a failed start: %v", err)
	}
}

// Stopping while start-up still waits for the database does not wait out
// WMS_DB_WAIT.
func TestMainClosesWhileWaitingForTheDatabase(t *testing.T) {
	host, port := freeAddr(t)
	r := bootMain(t, map[string]string{
		"WMS_DB": "mysql", "WMS_MYSQL_HOST": host, "WMS_MYSQL_PORT": port, "WMS_DB_WAIT": "60s",
	})
	eventually(t, 5*time.Second, "a failed attempt logged", func() bool {
		return len(r.logs.entries(t, "database not reachable yet")) >= 1
	})
	start := time.Now()
	if err := r.close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("close took %v", d)
	}
}

// Before start-up has even begun, the API and /readyz say "starting"; they do
// not panic on a missing reason.
func TestMainAnswers503BeforeStartUp(t *testing.T) {
	cfg, err := LoadConfig(lookupIn(nil))
	if err != nil {
		t.Fatal(err)
	}
	routes := NewMain(cfg, zerolog.Nop()).routes()
	for _, path := range []string{"/query", "/readyz"} {
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"query":"{ __typename }"}`)))
		if path == "/readyz" {
			rec = httptest.NewRecorder()
			routes.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		}
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "starting") {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
}

// Graceful: a request in flight when Close is called is answered in full,
// and Close returns nil once it is.
func TestMainCloseLetsRequestsFinish(t *testing.T) {
	r := bootMain(t, nil)
	waitUntilReady(t, r, 10*time.Second)

	// A request whose body the client holds back until the server asks for
	// it (Expect: 100-continue): once "100 Continue" arrives, the handler is
	// running and the request is in flight.
	conn, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	body := `{"query":"{ __typename }"}`
	fmt.Fprintf(conn, "POST /query HTTP/1.1\r\nHost: wms\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body))
	answers := bufio.NewReader(conn)
	if res, err := http.ReadResponse(answers, nil); err != nil || res.StatusCode != http.StatusContinue {
		t.Fatalf("no 100 Continue: %v %v", res, err)
	}

	// Shutdown has begun once the server calls its shutdown hooks, right
	// after closing its listener; from then on Close waits for the request.
	shuttingDown := make(chan struct{})
	r.server.RegisterOnShutdown(func() { close(shuttingDown) })
	closed := make(chan error, 1)
	go func() { closed <- r.close() }()
	select {
	case <-shuttingDown:
	case err := <-closed:
		t.Fatalf("Close returned (%v) before shutting down, with a request in flight", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not begin the shutdown")
	}
	if _, err := net.DialTimeout("tcp", r.Addr(), time.Second); err == nil {
		t.Error("still accepting connections while shutting down")
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with a request in flight", err)
	default:
	}
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"__typename":"Query"`) {
		t.Errorf("the request in flight: %d %s", res.StatusCode, b)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the last request")
	}
	if _, err := net.DialTimeout("tcp", r.Addr(), time.Second); err == nil {
		t.Error("still accepting connections after Close")
	}
}

// `wms migrate` applies the embedded migrations and exits 0; run again, it
// has nothing to do and still exits 0.
func TestRunMigrateTwice(t *testing.T) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"WMS_LOG_FORMAT": "json", "WMS_DB_WAIT": "5s"}
			opts := db.Options{Driver: name, MaxOpenConns: 2, ConnMaxLifetime: time.Minute, ConnMaxIdleTime: time.Minute, Wait: 5 * time.Second, Log: zerolog.Nop()}
			switch name {
			case dbtest.SQLite:
				opts.SQLitePath = filepath.Join(t.TempDir(), "new", "wms.db")
				vars["WMS_SQLITE_PATH"] = opts.SQLitePath
			case dbtest.MySQL:
				opts.MySQL.DSN = dbtest.FreshMySQL(t)
				vars["WMS_DB"], vars["WMS_MYSQL_DSN"] = "mysql", opts.MySQL.DSN
			}
			for i, want := range []string{"database migrated", "database schema is up to date"} {
				var stdout, stderr bytes.Buffer
				if code := run(context.Background(), []string{"migrate"}, lookupIn(vars), &stdout, &stderr); code != 0 {
					t.Fatalf("run %d: exit %d\n%s%s", i+1, code, stdout.String(), stderr.String())
				}
				if !strings.Contains(stdout.String(), `"message":"`+want+`"`) {
					t.Errorf("run %d does not log %q:\n%s", i+1, want, stdout.String())
				}
			}
			bdb, err := db.Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			if pending, err := db.Pending(context.Background(), bdb); err != nil || len(pending) != 0 {
				t.Errorf("pending after migrate: %v %v", pending, err)
			}
		})
	}
}

// Every request gets one log line with an id the client can quote; the query
// string is never logged (it may carry a token).
func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	h := accessLog(zerolog.New(&buf), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/quiet" {
			return // nothing written: the status is 200
		}
		if status, _ := strconv.Atoi(r.URL.Query().Get("status")); status != 0 {
			w.WriteHeader(status)
		}
		_, _ = io.WriteString(w, "hello")
	}))
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for _, tc := range []struct {
		path, requestID string
		status          int
		level           string
		keepsID         bool
	}{
		{"/query?token=secret-token", "client-id_1.2", 200, "info", true},
		{"/query", "", 200, "info", false},
		{"/query", "has spaces", 200, "info", false},
		{"/query", strings.Repeat("x", 65), 200, "info", false},
		{"/query?status=400", "", 400, "info", false},
		{"/query?status=503", "", 503, "warn", false},
		{"/query?status=500", "", 500, "error", false},
		{"/healthz", "", 200, "debug", false},
		{"/readyz", "", 200, "debug", false},
		{"/readyz?status=503", "", 503, "debug", false},
		{"/quiet", "", 200, "info", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			buf.Reset()
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.requestID != "" {
				req.Header.Set("X-Request-Id", tc.requestID)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			id := rec.Header().Get("X-Request-Id")
			if tc.keepsID && id != tc.requestID || !tc.keepsID && !generated.MatchString(id) {
				t.Errorf("X-Request-Id %q for %q", id, tc.requestID)
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("not one JSON line: %v\n%s", err, buf.String())
			}
			wantBytes := float64(len("hello"))
			if tc.path == "/quiet" {
				wantBytes = 0
			}
			if line["req"] != id || line["level"] != tc.level || line["status"] != float64(tc.status) ||
				line["method"] != "GET" || line["path"] != strings.Split(tc.path, "?")[0] || line["bytes"] != wantBytes ||
				line["message"] != "request" || line["duration_ms"] == nil {
				t.Errorf("log line %v", line)
			}
			if strings.Contains(buf.String(), "secret-token") {
				t.Errorf("the query string is logged: %s", buf.String())
			}
		})
	}
}

func TestNewLogger(t *testing.T) {
	t.Run("json at warn", func(t *testing.T) {
		var buf bytes.Buffer
		log := newLogger(Config{LogFormat: "json", LogLevel: zerolog.WarnLevel}, &buf)
		log.Info().Msg("not shown")
		log.Warn().Int("n", 1).Msg("shown")
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("not one JSON line: %v\n%s", err, buf.String())
		}
		if line["message"] != "shown" || line["level"] != "warn" || line["n"] != float64(1) {
			t.Errorf("line %v", line)
		}
		if ts, _ := line["time"].(string); ts == "" {
			t.Errorf("no time: %v", line)
		} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("time %q: %v", ts, err)
		}
	})
	t.Run("json when not a terminal", func(t *testing.T) {
		var buf bytes.Buffer
		log := newLogger(Config{LogLevel: zerolog.InfoLevel}, &buf)
		log.Info().Msg("hello")
		if !json.Valid(buf.Bytes()) {
			t.Errorf("not JSON: %s", buf.String())
		}
	})
	t.Run("console", func(t *testing.T) {
		var buf bytes.Buffer
		log := newLogger(Config{LogFormat: "console", LogLevel: zerolog.DebugLevel}, &buf)
		log.Debug().Str("who", "clerk").Msg("hello")
		out := buf.String()
		if json.Valid(buf.Bytes()) || !strings.Contains(out, "hello") || !strings.Contains(out, "clerk") {
			t.Errorf("console line %q", out)
		}
	})
}
