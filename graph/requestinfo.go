package graph

import (
	"context"
	"sync/atomic"
)

// RequestInfo carries what the GraphQL layer learns about a request back to
// the HTTP middleware that logs and measures it.
type RequestInfo struct {
	operation atomic.Pointer[string]
}

type requestInfoKey struct{}

// WithRequestInfo returns a context in which the GraphQL handler records what
// it serves, and the record.
func WithRequestInfo(ctx context.Context) (context.Context, *RequestInfo) {
	info := &RequestInfo{}
	return context.WithValue(ctx, requestInfoKey{}, info), info
}

func requestInfoFrom(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return info
}

func (i *RequestInfo) setOperation(name string) { i.operation.Store(&name) }

// Operation is the GraphQL operation name, or "" when none was served.
func (i *RequestInfo) Operation() string {
	if p := i.operation.Load(); p != nil {
		return *p
	}
	return ""
}
