package main

import (
	"context"
	"fmt"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// newTracerProvider returns the OpenTelemetry tracer provider that exports
// spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, or nil when it is
// not set: traces are off by default. The exporter reads the other standard
// OTEL_EXPORTER_OTLP_* variables (headers, timeout, TLS) itself.
func newTracerProvider(cfg Config) (*sdktrace.TracerProvider, error) {
	if cfg.OTLPEndpoint == "" {
		return nil, nil
	}
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(cfg.OTLPEndpoint+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", cfg.ServiceName),
		attribute.String("service.version", readBuildInfo().Version))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// traceRequests makes a span per HTTP request, the root of what the request
// does (GraphQL operation, SQL statements), continuing the caller's trace
// when it sends a traceparent header. Its attributes are the method, the
// route, the status and the request id (set by accessLog, outside); the
// query string and headers are left out, as they may hold tokens.
func traceRequests(tp trace.TracerProvider, next http.Handler) http.Handler {
	tracer := tp.Tracer("wms/http")
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		route := routeOf(r.URL.Path)
		ctx, span := tracer.Start(ctx, r.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route),
				attribute.String("wms.request_id", w.Header().Get("X-Request-Id"))))
		defer span.End()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
		if rec.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(rec.status))
		}
	})
}

// routeOf is the route of a path, without ids or file names, so span names
// stay few.
func routeOf(path string) string {
	switch {
	case len(path) > len("/media/") && path[:len("/media/")] == "/media/":
		return "/media/{id}/{filename}"
	case len(path) > len("/playground/") && path[:len("/playground/")] == "/playground/":
		return "/playground/…"
	}
	return path
}
