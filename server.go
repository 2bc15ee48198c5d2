// Command wms serves the warehouse: a GraphQL API, a playground, file upload
// and media download, over SQLite or MySQL. See README.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"

	"wms/auth"
	"wms/db"
	"wms/export"
	"wms/graph"
	"wms/media"
)

func main() {
	tuneMemory(os.LookupEnv, cgroupMemoryLimit())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr))
}

const usage = `usage: wms [command]

commands:
  serve     serve the API (the default)
  migrate   apply the database migrations and exit
  user      manage users: user create NAME ROLE | user passwd NAME |
            user disable NAME | user enable NAME (passwords are read from stdin)
  healthcheck
            exit 0 if the server on WMS_ADDR is ready (GET /readyz), else 1:
            for container health checks, with no curl or shell needed
  version   print the version, VCS revision and build time (also --version)
  help      show this text; COMMAND --help shows a command's

Configuration is read from WMS_* environment variables; see README.md.
`

// run is the whole program, with its inputs passed in so tests can drive it.
func run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if help, ok := commandHelp[cmd]; ok && len(args) > 1 && wantsHelp(args[1:]) {
		fmt.Fprint(stdout, help)
		return 0
	}
	if cmd == "version" || cmd == "--version" {
		printVersion(stdout)
		return 0
	}
	cfg, err := LoadConfig(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "wms: invalid configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(cfg, stdout)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return migrateOnly(ctx, cfg, log)
	case "user":
		return userCommand(ctx, cfg, log, args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, cfg, stderr)
	default:
		fmt.Fprintf(stderr, "wms: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

func serve(ctx context.Context, cfg Config, log zerolog.Logger) int {
	log.Info().Int64("memory_limit", debug.SetMemoryLimit(-1)).Msg("soft memory limit (GOMEMLIMIT)")
	m := NewMain(cfg, log)
	if err := m.Run(ctx); err != nil {
		log.Error().Err(err).Msg("cannot start")
		return 1
	}
	code := 0
	select {
	case <-ctx.Done():
		log.Info().Msg("shutting down")
	case err := <-m.Failed():
		log.Error().Err(err).Msg("start-up failed; exiting so the orchestrator restarts the service")
		code = 1
	}
	if err := m.Close(); err != nil {
		log.Error().Err(err).Msg("shutdown")
		code = 1
	}
	return code
}

func migrateOnly(ctx context.Context, cfg Config, log zerolog.Logger) int {
	bdb := openMigrated(ctx, cfg, log)
	if bdb == nil {
		return 1
	}
	defer bdb.Close()
	return 0
}

// openMigrated opens the database and applies the migrations for the
// one-shot commands, logging why when it cannot (and answering nil).
func openMigrated(ctx context.Context, cfg Config, log zerolog.Logger) *bun.DB {
	bdb, err := db.Open(ctx, cfg.dbOptions(log))
	if err != nil {
		log.Error().Err(err).Msg("cannot open the database")
		return nil
	}
	if err := db.Migrate(ctx, bdb, log, db.WithDefaultLocation(cfg.DefaultLocation)); err != nil {
		log.Error().Err(err).Msg("migration failed")
		_ = bdb.Close()
		return nil
	}
	return bdb
}

// Main is the running program. Run listens at once, so /healthz and /readyz
// answer while start-up still waits for the database; the API is served once
// the database is reachable and migrated.
type Main struct {
	Config Config
	Log    zerolog.Logger
	// Now is the clock of the Store; tests may fix it.
	Now func() time.Time
	// ShutdownTimeout bounds how long Close lets requests in flight finish.
	ShutdownTimeout time.Duration

	started  time.Time
	listener net.Listener
	server   *http.Server
	app      atomic.Pointer[app]
	waiting  atomic.Pointer[string] // why the app is not ready yet
	failed   chan error
	stop     context.CancelFunc
	startup  sync.WaitGroup
	// background runs the periodic jobs; they stop with the start context.
	background sync.WaitGroup
	metrics    *metrics
}

// app is what serves once the database is ready.
type app struct {
	db       *bun.DB
	store    *db.Store
	files    *media.Service
	graphql  http.Handler
	upload   http.Handler
	download http.Handler
}

// NewMain returns a Main for the configuration.
func NewMain(cfg Config, log zerolog.Logger) *Main {
	m := &Main{Config: cfg, Log: log, Now: time.Now, ShutdownTimeout: 20 * time.Second, failed: make(chan error, 1),
		metrics: newMetrics()}
	starting := "starting" // until start runs: Run serves before it does
	m.waiting.Store(&starting)
	return m
}

// Run listens on the configured address, serves, and connects to the
// database in the background. It returns once listening.
func (m *Main) Run(ctx context.Context) error {
	m.started = time.Now()
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.listener = limitConnections(ln, m.Config, m.metrics)
	m.server = &http.Server{
		Handler: accessLog(m.Log, m.metrics.instrument(
			bodyDeadlines(m.Config.BodyTimeout, m.Config.UploadTimeout, m.routes()))),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          nil,
	}
	go func() {
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.fail(fmt.Errorf("serve: %w", err))
		}
	}()
	m.Log.Info().Str("addr", ln.Addr().String()).Str("db", m.Config.DB).Msg("listening")

	startCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stop = stop
	m.startup.Add(1)
	go func() {
		defer m.startup.Done()
		if err := m.start(startCtx); err != nil {
			m.fail(err)
		}
	}()
	return nil
}

// start waits for the database, migrates it and switches the API on.
func (m *Main) start(ctx context.Context) error {
	reason := "waiting for the database"
	m.waiting.Store(&reason)
	opts := m.Config.dbOptions(m.Log)
	opts.Notify = func(error) {
		// The driver's words (host, port) are in the log, not in /readyz.
		r := "database unreachable"
		m.waiting.Store(&r)
	}
	bdb, err := db.Open(ctx, opts)
	if err != nil {
		return err
	}
	reason = "applying migrations"
	m.waiting.Store(&reason)
	if err := db.Migrate(ctx, bdb, m.Log, db.WithDefaultLocation(m.Config.DefaultLocation)); err != nil {
		_ = bdb.Close()
		return err
	}
	m.metrics.observeDB(bdb.DB)
	store := db.NewStore(bdb)
	store.Now = m.Now
	store.Timezone = m.Config.Timezone
	users := auth.NewService(store, m.Config.SessionTTL, m.Log)
	users.Now = m.Now
	users.Unavailable = db.IsUnavailable
	users.Proxies = m.Config.TrustedProxies
	if err := bootstrapAdmin(ctx, users, m.Config, m.Log); err != nil {
		_ = bdb.Close()
		return err
	}
	files := media.NewService(store, media.Folder{Dir: m.Config.MediaDir}, m.Config.MaxUploadBytes, m.Log)
	files.Now = m.Now
	files.Allowed = m.Config.UploadTypes
	if files.Links, err = mediaLinks(ctx, m.Config, store, users, m.Now); err != nil {
		_ = bdb.Close()
		return err
	}
	m.background.Add(1)
	go func() {
		defer m.background.Done()
		files.RunCleaner(ctx, time.Hour)
	}()
	opt := graph.DefaultOptions
	opt.Introspection = m.Config.Introspection
	opt.MaxUploadBytes = m.Config.MaxUploadBytes
	opt.MaxQueryBytes = m.Config.MaxQueryBytes
	opt.Observe = m.metrics.observeOperation
	reports := &export.Exporter{Store: store, Media: files, TTL: m.Config.ExportTTL, Now: m.Now}
	hub := m.runEvents(ctx, store)
	resolver := &graph.Resolver{Store: store, Auth: users, Files: files, Export: reports, Events: hub,
		WebhookAllowPrivate: m.Config.WebhookAllowPrivate, Log: m.Log}
	m.app.Store(&app{db: bdb, store: store, files: files, graphql: withTimeout(m.Config.RequestTimeout, graph.NewHandler(resolver, opt)),
		upload:   users.Middleware(http.HandlerFunc(files.Upload)),
		download: users.Middleware(http.HandlerFunc(files.Download)),
	})
	m.Log.Info().Int64("startup_ms", time.Since(m.started).Milliseconds()).Msg("ready")
	return nil
}

func (m *Main) fail(err error) {
	select {
	case m.failed <- err:
	default:
	}
}

// Failed delivers the error that stopped start-up (the database stayed
// unreachable for WMS_DB_WAIT, a migration failed).
func (m *Main) Failed() <-chan error { return m.failed }

// Addr is the address the server listens on.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Ready reports whether the API is being served.
func (m *Main) Ready() bool { return m.app.Load() != nil }

// Close stops accepting requests, lets those in flight finish (within
// ShutdownTimeout), and closes the database.
func (m *Main) Close() error {
	if m.stop != nil {
		m.stop()
	}
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.ShutdownTimeout)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		m.Log.Info().Msg("requests finished")
	}
	m.startup.Wait()
	m.background.Wait()
	if a := m.app.Load(); a != nil {
		if err := a.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
		m.Log.Info().Msg("database closed")
	}
	return errors.Join(errs...)
}

func (m *Main) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", m.readyz)
	mux.Handle("GET /metrics", m.metrics.handler())
	mux.Handle("/query", m.whenReady(func(a *app) http.Handler { return a.graphql }))
	mux.Handle("POST /upload", m.whenReady(func(a *app) http.Handler { return a.upload }))
	mux.Handle("GET /media/{id}/{filename}", m.whenReady(func(a *app) http.Handler { return a.download }))
	mux.Handle("GET /schema.graphql", graph.SchemaHandler(m.Config.Introspection))
	if m.Config.Playground {
		page, assets := graph.Playground("/query")
		mux.Handle("GET /{$}", page)
		mux.Handle("GET /playground", page)
		mux.Handle("GET "+graph.PlaygroundAssetsPath, assets)
	}
	return withCORS(m.Config.CORSOrigins, mux)
}

// whenReady serves with the app's handler, or answers 503 while start-up
// still waits for the database.
func (m *Main) whenReady(h func(*app) http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := m.app.Load()
		if a == nil {
			w.Header().Set("Retry-After", "2")
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"errors": []any{map[string]any{
				"message":    "the server is starting: " + *m.waiting.Load(),
				"extensions": map[string]string{"code": "UNAVAILABLE"},
			}}})
			return
		}
		h(a).ServeHTTP(w, r)
	})
}

// withTimeout bounds how long a request may take: while the database is
// away, a request fails with UNAVAILABLE after d instead of hanging.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			// A subscription lives as long as its connection.
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// healthcheck asks the server on the configured address whether it is ready.
func healthcheck(ctx context.Context, cfg Config, stderr io.Writer) int {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: WMS_ADDR %q: %v\n", cfg.Addr, err)
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s %s\n", res.Status, bytes.TrimSpace(body))
		return 1
	}
	return 0
}

// isWebsocket reports a websocket upgrade request (a subscription).
func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
