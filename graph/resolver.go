// Package graph serves the GraphQL API: the resolvers (thin glue from the
// schema to the Store), the error presenter, per-request loaders and the HTTP
// handler with its limits.
package graph

//go:generate go run ./codegen

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/events"
	"wms/export"
	"wms/media"
	"wms/model"
)

// Resolver holds what the resolvers need; one is shared by every request.
type Resolver struct {
	Store *db.Store
	// Auth signs users in; its middleware wraps the handler.
	Auth *auth.Service
	// Files stores uploads.
	Files *media.Service
	// Export writes reports.
	Export *export.Exporter
	// Events feeds subscriptions; nil serves none.
	Events *events.Hub
	// WebhookAllowPrivate lets webhooks point at private addresses.
	WebhookAllowPrivate bool
	Log                 zerolog.Logger
}

// deref reads an optional argument, the zero value when it is absent.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// change turns an optional input field into a model.Change: left out, it
// changes nothing; sent as null, it clears.
func change[T any](o graphql.Omittable[*T]) model.Change[T] {
	v, set := o.ValueOK()
	if !set {
		return model.Change[T]{}
	}
	return model.Change[T]{Set: true, Value: v}
}

// orNil answers null for a single object that does not exist, as the schema's
// nullable `category(id)` and `goods(id)` promise.
func orNil[T any](v *T, err error) (*T, error) {
	if model.ErrorCode(err) == model.CodeNotFound {
		return nil, nil
	}
	return v, err
}

// exportTimeout bounds how long one report may take to write.
const exportTimeout = 5 * time.Minute
