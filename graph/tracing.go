package graph

import (
	"context"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"wms/auth"
)

// tracing is a gqlgen extension: a span per GraphQL operation, named by the
// operation ("mutation SellMilk"), around everything it runs, so the SQL
// statements it makes are its children. The user id goes on it; variables
// and the document do not (they may hold passwords).
type tracing struct{ tracer trace.Tracer }

var (
	_ graphql.HandlerExtension    = tracing{}
	_ graphql.ResponseInterceptor = tracing{}
)

func (tracing) ExtensionName() string                          { return "Tracing" }
func (tracing) Validate(schema graphql.ExecutableSchema) error { return nil }

func (t tracing) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	kind := "query"
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
	}
	name := operationName(oc)
	attrs := []attribute.KeyValue{attribute.String("graphql.operation.type", kind), attribute.String("graphql.operation.name", name)}
	if c := auth.CallerFrom(ctx); c != nil {
		attrs = append(attrs, attribute.String("enduser.id", strconv.FormatInt(c.User.ID, 10)))
	}
	ctx, span := t.tracer.Start(ctx, kind+" "+name, trace.WithAttributes(attrs...))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		code, _ := resp.Errors[0].Extensions["code"].(string)
		span.SetAttributes(attribute.String("graphql.error.code", code))
		if code == "" || code == "INTERNAL" || code == "UNAVAILABLE" {
			span.SetStatus(codes.Error, code)
		}
	}
	return resp
}
