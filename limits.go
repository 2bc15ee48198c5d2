package main

import (
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"
)

// What one client may hold of the server. Before these limits, a client that
// sent its body one byte every few seconds kept a connection and a goroutine
// for as long as it liked (only the header had a deadline), and 1 500 such
// connections stopped the server accepting.
//
//   - A request has WMS_BODY_TIMEOUT to send its whole body, an upload
//     WMS_UPLOAD_TIMEOUT (bodyDeadlines).
//   - A response is written as fast as the client reads it, but each write
//     must reach the client within WMS_WRITE_TIMEOUT: a download of any size
//     goes on while it moves, a client that stops reading is cut off
//     (limitedConn.Write). http.Server's WriteTimeout would bound the whole
//     response and cut large downloads.
//   - At most WMS_MAX_CONNS connections are open; more wait in the listen
//     queue. At most WMS_MAX_CONNS_PER_ADDR come from one address; more are
//     answered 503 and closed, so one address cannot take every slot.

// limitConnections wraps the listener with the connection limits.
func limitConnections(ln net.Listener, cfg Config, mx *metrics) net.Listener {
	l := &connLimits{
		Listener:     netutil.LimitListener(ln, cfg.MaxConns),
		perAddr:      cfg.MaxConnsPerAddr,
		writeTimeout: cfg.WriteTimeout,
		open:         map[string]int{},
	}
	mx.observeConnections(l.count, &l.refused)
	return l
}

// connLimits counts the open connections of each address.
type connLimits struct {
	net.Listener
	perAddr      int // 0: no limit
	writeTimeout time.Duration
	refused      atomic.Int64 // connections refused over perAddr

	mu    sync.Mutex
	open  map[string]int
	total int
}

// tooManyConns is the answer to a connection over the per-address limit.
var tooManyConns = func() []byte {
	body := "too many connections from your address; try again shortly\n"
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Retry-After: 5\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

// Accept returns the next connection within the limits.
func (l *connLimits) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := peerAddr(c)
		if !l.take(addr) {
			l.refused.Add(1)
			// A fresh connection's send buffer is empty: this never blocks.
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write(tooManyConns)
			_ = c.Close()
			continue
		}
		return &limitedConn{Conn: c, writeTimeout: l.writeTimeout, release: sync.OnceFunc(func() { l.give(addr) })}, nil
	}
}

func (l *connLimits) take(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perAddr > 0 && l.open[addr] >= l.perAddr {
		return false
	}
	l.open[addr]++
	l.total++
	return true
}

func (l *connLimits) give(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

// count is the number of connections open.
func (l *connLimits) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// peerAddr is the IP address the connection comes from (the TCP peer: behind
// a proxy, the proxy's).
func peerAddr(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitedConn is an accepted connection: each write has writeTimeout to
// reach the client, and closing it frees its address's slot.
type limitedConn struct {
	net.Conn
	writeTimeout time.Duration
	release      func()
}

func (c *limitedConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.writeTimeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// bodyDeadlines gives a request with a body bodyTimeout to send all of it,
// or uploadTimeout for an upload (POST /upload, a multipart GraphQL request).
// A body still coming at the deadline fails to read, and the connection is
// closed once the handler has answered. The deadline is lifted once the body
// has been read, so a long answer is not cut short by it.
func bodyDeadlines(bodyTimeout, uploadTimeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 { // no body; -1 is a body of unknown length
			next.ServeHTTP(w, r)
			return
		}
		d := bodyTimeout
		if isUpload(r) {
			d = uploadTimeout
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, lift: func() { _ = rc.SetReadDeadline(time.Time{}) }}
		}
		next.ServeHTTP(w, r)
	})
}

func isUpload(r *http.Request) bool {
	if r.URL.Path == "/upload" {
		return true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.URL.Path == "/query" && mt == "multipart/form-data"
}

// deadlineBody lifts the read deadline when the body has been read to its
// end. Left in place, it would make the server's background read of the
// connection fail at the deadline and cancel the request's context.
type deadlineBody struct {
	io.ReadCloser
	lift   func()
	lifted bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		b.lift()
	}
	return n, err
}
