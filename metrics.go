package main

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"wms/auth"
)

// metrics are what /metrics exposes: HTTP requests and their latency by
// route, GraphQL operations by name and outcome, the database pool, the
// process and the build. Every label takes a bounded set of values.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	operations *prometheus.CounterVec
	opLatency  *prometheus.HistogramVec
	// operationNames bounds the operation label's values.
	operationNames operationNames
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wms_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wms_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wms_graphql_operations_total", Help: "GraphQL operations by name and outcome (ok or the first error code).",
		}, []string{"operation", "outcome"}),
		opLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wms_graphql_operation_duration_seconds", Help: "GraphQL operation latency by name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.operations, m.opLatency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfoGauge())
	return m
}

// observeDB adds the pool's statistics: open, in use, idle, waits and their
// duration, connections closed for idle time and lifetime.
func (m *metrics) observeDB(sqldb *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(sqldb, "wms"))
}

// observeOperation counts one GraphQL operation, under the label
// operationNames gives it.
func (m *metrics) observeOperation(ctx context.Context, name, outcome string, d time.Duration) {
	name = m.operationNames.label(auth.CallerFrom(ctx) != nil, name)
	m.operations.WithLabelValues(name, outcome).Inc()
	m.opLatency.WithLabelValues(name).Observe(d.Seconds())
}

// Operation names come from clients, and every distinct label value is a
// series kept for the life of the process: 20 000 made-up names once made
// 340 000 series and a 45 MB /metrics. So a caller without a token is
// counted under one label whatever it names its operation, and a signed-in
// caller's names are kept only up to a fixed number, the rest counted as
// "other".
const (
	maxOperationNames   = 100
	maxOperationNameLen = 64
	unauthenticatedOp   = "unauthenticated"
	otherOp             = "other"
)

// operationNames is the set of operation names used as labels so far.
type operationNames struct {
	mu   sync.Mutex
	seen map[string]bool
}

// label is the label an operation is counted under.
func (o *operationNames) label(authenticated bool, name string) string {
	if !authenticated {
		return unauthenticatedOp
	}
	if len(name) > maxOperationNameLen {
		return otherOp
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen[name] {
		return name
	}
	if len(o.seen) >= maxOperationNames {
		return otherOp
	}
	if o.seen == nil {
		o.seen = map[string]bool{}
	}
	o.seen[name] = true
	return name
}

// methodLabel is the method as a label: clients may send any token as a
// method, so only the standard ones are kept.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return otherOp
}

// observeConnections adds the connections open and those refused for their
// address's limit.
func (m *metrics) observeConnections(open func() int, refused *atomic.Int64) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wms_http_connections_open", Help: "HTTP connections open.",
		}, func() float64 { return float64(open()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "wms_http_connections_refused_total", Help: "HTTP connections refused: too many from one address.",
		}, func() float64 { return float64(refused.Load()) }))
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// instrument counts requests by the route pattern the mux matched (not the
// path, which would give every media id its own series).
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(rec.status)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// observeSubscriptions adds the subscriptions open on this process.
func (m *metrics) observeSubscriptions(open func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wms_subscriptions_open", Help: "GraphQL subscriptions open on this process.",
	}, func() float64 { return float64(open()) }))
}
