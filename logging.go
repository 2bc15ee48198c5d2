package main

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"wms/graph"
)

// newLogger writes JSON lines, or readable console lines when asked or when
// out is a terminal.
func newLogger(c Config, out io.Writer) zerolog.Logger {
	format := c.LogFormat
	if format == "" {
		format = "json"
		if f, ok := out.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			format = "console"
		}
	}
	if format == "console" {
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: "15:04:05.000"}
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	return zerolog.New(out).Level(c.LogLevel).With().Timestamp().Logger()
}

// accessLog gives every request an id (the client's X-Request-Id when it is
// sane), a child logger carrying it in the context, and one log line when it
// is done: method, path, status, bytes, duration and GraphQL operation. The
// query string and headers are not logged: they may hold tokens.
func accessLog(log zerolog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		rl := log.With().Str("req", id).Logger()
		ctx, info := graph.WithRequestInfo(rl.WithContext(r.Context()))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))

		level := zerolog.InfoLevel
		switch {
		case r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics":
			// Probes every few seconds would drown the log; why the server
			// is not ready is logged where it is found out.
			level = zerolog.DebugLevel
		case rec.status == http.StatusServiceUnavailable:
			level = zerolog.WarnLevel // starting, or the database is away
		case rec.status >= 500:
			level = zerolog.ErrorLevel
		}
		ev := rl.WithLevel(level).Str("method", r.Method).Str("path", r.URL.Path).
			Int("status", rec.status).Int64("bytes", rec.bytes).Float64("duration_ms", float64(time.Since(start).Microseconds())/1000)
		if op := info.Operation(); op != "" {
			ev = ev.Str("operation", op)
		}
		ev.Msg("request")
	})
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (flush, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
