package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// guard bounds how long a test waits for something that must happen: long
// enough for a loaded machine, and reached only when the server is wrong.
const guard = 30 * time.Second

// dialFrom opens a TCP connection to addr from the loopback address local
// (any of 127.0.0.0/8), so a test can be several clients.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: guard}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", local, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// startSlowBody sends a request's header and the start of a body that never
// comes in full.
func startSlowBody(t *testing.T, c net.Conn, path, contentType, token string) {
	t.Helper()
	auth := ""
	if token != "" {
		auth = "Authorization: Bearer " + token + "\r\n"
	}
	_, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: wms\r\nContent-Type: %s\r\nApollo-Require-Preflight: true\r\n%s"+
		"Content-Length: 100000\r\n\r\n{", path, contentType, auth)
	if err != nil {
		t.Fatal(err)
	}
}

// closedByServer reads c until the server closes it, sending a byte of body
// now and then meanwhile as a slow client does, and returns what it read;
// held is true when the connection is still open after guard.
func closedByServer(c net.Conn) (answer string, held bool) {
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	got, err := io.ReadAll(c)
	return string(got), errors.Is(err, os.ErrDeadlineExceeded)
}

// A body that trickles in is cut off at WMS_BODY_TIMEOUT, an upload's at
// WMS_UPLOAD_TIMEOUT; before, one byte every few seconds held a connection
// and a goroutine for ever.
func TestSlowBodiesAreCutOff(t *testing.T) {
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(t.TempDir(), "wms.db"),
		"WMS_BODY_TIMEOUT": "200ms", "WMS_UPLOAD_TIMEOUT": "400ms"})
	waitReady(t, m, 10*time.Second)
	token := loginAdmin(t, base)
	for _, tc := range []struct{ path, contentType, token string }{
		{"/query", "application/json", ""},
		{"/query", "application/json", token},
		{"/query", "multipart/form-data; boundary=x", token},
		{"/upload", "multipart/form-data; boundary=x", token},
		{"/upload", "multipart/form-data; boundary=x", ""}, // refused at once; the rest of the body is not awaited
		{"/healthz", "text/plain", ""},
	} {
		c := dialFrom(t, "127.0.0.1", m.Addr())
		startSlowBody(t, c, tc.path, tc.contentType, tc.token)
		answer, held := closedByServer(c)
		if held {
			t.Fatalf("%s %s: the server still holds a slow body after %v (answered %.60q)", tc.path, tc.contentType, guard, answer)
		}
		t.Logf("%s %s: %.60q", tc.path, tc.contentType, answer)
		if strings.HasPrefix(answer, "HTTP/1.1 200") || strings.HasPrefix(answer, "HTTP/1.1 5") {
			t.Errorf("%s %s: a slow body was answered %.100q", tc.path, tc.contentType, answer)
		}
	}
	// A request that sends its body in time is served, on a connection kept
	// alive for the next one.
	c := dialFrom(t, "127.0.0.1", m.Addr())
	r := bufio.NewReader(c)
	body := `{"query": "{ __typename }"}`
	for i := range 2 {
		fmt.Fprintf(c, "POST /query HTTP/1.1\r\nHost: wms\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		_ = c.SetReadDeadline(time.Now().Add(guard))
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("request %d in time: %v", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"__typename":"Query"`) {
			t.Errorf("request %d in time: %d %s", i, res.StatusCode, b)
		}
	}
}

// Reading the body to its end lifts its deadline: a handler that takes
// longer than the body timeout afterwards keeps its context.
func TestBodyDeadlineEndsWithTheBody(t *testing.T) {
	const timeout = 50 * time.Millisecond
	handlerErr := make(chan error, 1)
	h := bodyDeadlines(timeout, timeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			handlerErr <- err
			return
		}
		time.Sleep(5 * timeout) // the server now reads the connection in the background
		handlerErr <- r.Context().Err()
	}))
	srv := &http.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	res, err := http.Post("http://"+ln.Addr().String(), "text/plain", strings.NewReader("a body"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := <-handlerErr; err != nil {
		t.Errorf("after the body was read: %v", err)
	}
}

// Uploads get WMS_UPLOAD_TIMEOUT, everything else WMS_BODY_TIMEOUT. With a
// body timeout already past, a 2 MB body (far more than the server buffers
// with the header) fails to read unless it is an upload.
func TestUploadsHaveTheirOwnBodyTimeout(t *testing.T) {
	h := bodyDeadlines(time.Nanosecond, time.Hour, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
		}
	}))
	srv := &http.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	for _, tc := range []struct {
		path, contentType string
		upload            bool
	}{
		{"/upload", "multipart/form-data; boundary=x", true},
		{"/query", "multipart/form-data; boundary=x", true},
		{"/query", "application/json", false},
		{"/elsewhere", "multipart/form-data; boundary=x", false},
	} {
		res, err := http.Post("http://"+ln.Addr().String()+tc.path, tc.contentType, strings.NewReader(strings.Repeat("x", 2<<20)))
		if err != nil { // the server may close before the client has sent it all
			if tc.upload {
				t.Errorf("%s %s: %v", tc.path, tc.contentType, err)
			}
			continue
		}
		res.Body.Close()
		if got := res.StatusCode == http.StatusOK; got != tc.upload {
			t.Errorf("%s %s: %d", tc.path, tc.contentType, res.StatusCode)
		}
	}
}

// waitMetric polls /metrics until the sample satisfies ok.
func waitMetric(t *testing.T, base, series string, ok func(float64) bool) float64 {
	t.Helper()
	deadline := time.Now().Add(guard)
	for {
		v := scrape(t, base, series)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still %v after %v", series, v, guard)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// One address cannot take every connection: past WMS_MAX_CONNS_PER_ADDR its
// connections are answered 503 and closed, and other clients are served.
func TestOneAddressCannotHoldEveryConnection(t *testing.T) {
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(t.TempDir(), "wms.db"),
		"WMS_MAX_CONNS": "20", "WMS_MAX_CONNS_PER_ADDR": "5", "WMS_BODY_TIMEOUT": "1h"})
	waitReady(t, m, 10*time.Second)
	http.DefaultClient.CloseIdleConnections()
	for range 30 {
		c := dialFrom(t, "127.0.0.2", m.Addr())
		startSlowBody(t, c, "/query", "application/json", "")
	}
	waitMetric(t, base, "wms_http_connections_refused_total", func(v float64) bool { return v >= 25 })
	if n := scrape(t, base, "wms_http_connections_refused_total"); n != 25 {
		t.Errorf("%v connections refused, want the 25 over the limit of 5", n)
	}
	// A refused client learns why (one that had sent its request may see
	// the connection reset instead: the server does not read it).
	c := dialFrom(t, "127.0.0.2", m.Addr())
	_ = c.SetReadDeadline(time.Now().Add(guard))
	if b, _ := io.ReadAll(c); !strings.HasPrefix(string(b), "HTTP/1.1 503") || !strings.Contains(string(b), "too many connections") {
		t.Errorf("a refused connection was answered %q", b)
	}
	// Everyone else is served while the five are held.
	for i := range 10 {
		if code, body := get(t, base+"/healthz"); code != http.StatusOK {
			t.Fatalf("request %d from another address: %d %s", i, code, body)
		}
	}
}

// With every connection taken by slow clients from many addresses, a normal
// client waits at most until their bodies are out of time, then is served.
func TestSlowConnectionsDoNotStopOthers(t *testing.T) {
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(t.TempDir(), "wms.db"),
		"WMS_MAX_CONNS": "20", "WMS_MAX_CONNS_PER_ADDR": "5", "WMS_BODY_TIMEOUT": "300ms"})
	waitReady(t, m, 10*time.Second)
	http.DefaultClient.CloseIdleConnections()
	var (
		wg   sync.WaitGroup
		held atomic.Int32
	)
	for i := range 40 {
		local := fmt.Sprintf("127.0.1.%d", 1+i/5)
		c := dialFrom(t, local, m.Addr())
		startSlowBody(t, c, "/query", "application/json", "")
		wg.Go(func() {
			if _, isHeld := closedByServer(c); isHeld {
				held.Add(1)
			}
		})
	}
	client := &http.Client{Timeout: guard}
	res, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("a normal client behind 40 slow ones: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("a normal client behind 40 slow ones: %d", res.StatusCode)
	}
	wg.Wait()
	if n := held.Load(); n > 0 {
		t.Errorf("%d of 40 slow connections are still held after %v", n, guard)
	}
}

// Each write of a response has WMS_WRITE_TIMEOUT to reach the client: one
// that stops reading is cut off, one that reads slowly but steadily gets all
// of a response that takes far longer than that.
func TestWritesMustMakeProgress(t *testing.T) {
	const timeout = time.Second
	t.Run("stalled", func(t *testing.T) {
		server, client := net.Pipe() // no buffer: a write waits for its reader
		defer client.Close()
		c := &limitedConn{Conn: server, writeTimeout: timeout, release: func() {}}
		defer c.Close()
		done := make(chan error, 1)
		go func() { _, err := c.Write(make([]byte, 1<<10)); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("a write nobody reads: %v", err)
			}
		case <-time.After(guard):
			t.Fatal("a write nobody reads is still waiting")
		}
	})
	t.Run("slow but steady", func(t *testing.T) {
		server, client := net.Pipe()
		defer client.Close()
		c := &limitedConn{Conn: server, writeTimeout: timeout, release: func() {}}
		const chunks = 40
		go func() {
			defer c.Close()
			for range chunks {
				if _, err := c.Write(make([]byte, 32<<10)); err != nil {
					return
				}
			}
		}()
		// Read in small pieces, pausing, for far longer than the timeout.
		start, total := time.Now(), 0
		buf := make([]byte, 8<<10)
		for {
			n, err := client.Read(buf)
			total += n
			if err != nil {
				break
			}
			time.Sleep(10 * time.Millisecond) // a 32 KB write waits 40 ms of the 1 s it has
		}
		if took := time.Since(start); total != chunks*32<<10 || took < timeout {
			t.Errorf("read %d of %d bytes in %v", total, chunks*32<<10, took)
		}
	})
}
