package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TraceQueries adds a span per SQL statement to bdb: named by the operation
// and table ("SELECT goods"), with the database system and operation. The
// statement's text is left out: bun formats the values into it, and those
// include password and token hashes.
//
// bun's own extra/bunotel does this too, but is not published for the bun
// version wms runs on; this is the part of it wms needs.
func TraceQueries(bdb *bun.DB, tp trace.TracerProvider) {
	bdb.AddQueryHook(&queryTracer{tracer: tp.Tracer("wms/db"), system: bdb.Dialect().Name().String()})
}

type queryTracer struct {
	tracer trace.Tracer
	system string
}

// BeforeQuery starts the statement's span.
func (q *queryTracer) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return ctx // no request to belong to: start-up, background jobs
	}
	op := e.Operation()
	name, table := op, ""
	if tm, ok := e.IQuery.(interface{ GetTableName() string }); ok {
		table = strings.Trim(tm.GetTableName(), "`\"")
	}
	if table != "" {
		name += " " + table
	}
	attrs := []attribute.KeyValue{attribute.String("db.system.name", q.system), attribute.String("db.operation.name", op)}
	if table != "" {
		attrs = append(attrs, attribute.String("db.collection.name", table))
	}
	// The span is kept in the event, not the context: a transaction keeps
	// the context its BEGIN returned, and its statements should be children
	// of the operation, beside BEGIN and COMMIT, not of BEGIN.
	_, span := q.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if e.Stash == nil {
		e.Stash = map[any]any{}
	}
	e.Stash[spanKey{}] = span
	return ctx
}

type spanKey struct{}

// AfterQuery ends it, marking an error (not a missing row).
func (q *queryTracer) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	span, ok := e.Stash[spanKey{}].(trace.Span)
	if !ok {
		return
	}
	if e.Err != nil && !errors.Is(e.Err, sql.ErrNoRows) {
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}
