package graph

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
)

// A login refused with TOO_MANY_ATTEMPTS says how long to wait in
// extensions.retryAfter; the HTTP answer carrying it says the same in a
// Retry-After header, whichever transport (JSON, GET, multipart) carried the
// request, so HTTP-level clients and proxies can back off too.

type retryAfterKey struct{}

// retryAfter is the longest wait any error of the response asked for.
type retryAfter struct{ seconds atomic.Int64 }

func (ra *retryAfter) ask(seconds int) {
	for {
		cur := ra.seconds.Load()
		if int64(seconds) <= cur || ra.seconds.CompareAndSwap(cur, int64(seconds)) {
			return
		}
	}
}

// askRetryAfter records that the response should carry Retry-After.
func askRetryAfter(ctx context.Context, seconds int) {
	if ra, ok := ctx.Value(retryAfterKey{}).(*retryAfter); ok {
		ra.ask(seconds)
	}
}

// withRetryAfter lets the errors of a response set its Retry-After header.
func withRetryAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ra := &retryAfter{}
		rw := &retryAfterWriter{ResponseWriter: w, ra: ra}
		next.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), retryAfterKey{}, ra)))
	})
}

type retryAfterWriter struct {
	http.ResponseWriter
	ra      *retryAfter
	written bool
}

func (w *retryAfterWriter) header() {
	if w.written {
		return
	}
	w.written = true
	if s := w.ra.seconds.Load(); s > 0 {
		w.ResponseWriter.Header().Set("Retry-After", strconv.FormatInt(s, 10))
	}
}

func (w *retryAfterWriter) WriteHeader(status int) {
	w.header()
	w.ResponseWriter.WriteHeader(status)
}

func (w *retryAfterWriter) Write(p []byte) (int, error) {
	w.header()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
