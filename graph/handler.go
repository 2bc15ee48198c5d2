package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"wms/auth"
	"wms/model"
)

// Options are the limits of the GraphQL endpoint.
type Options struct {
	// Introspection lets clients read the schema (the playground needs it).
	Introspection bool
	// ComplexityLimit refuses operations that would cost more (TOO_COMPLEX).
	ComplexityLimit int
	// TokenLimit refuses documents with more lexical tokens, before parsing.
	TokenLimit int
	// MaxBodyBytes caps a JSON request body.
	MaxBodyBytes int64
	// MaxUploadBytes caps a multipart request body.
	MaxUploadBytes int64
	// MaxQueryBytes caps the query document, however it is sent
	// (QUERY_TOO_LARGE); 0 means no cap.
	MaxQueryBytes int
	// QueryCacheBytes bounds the parsed documents kept, weighed by what a
	// parsed document holds; PersistedQueryCacheBytes the persisted queries.
	QueryCacheBytes          int64
	PersistedQueryCacheBytes int64
	// Observe, when set, hears of every operation: its name, its outcome
	// ("ok" or the code of its first error) and how long it took. ctx tells
	// who asked (auth.CallerFrom).
	Observe func(ctx context.Context, operation, outcome string, d time.Duration)
}

// DefaultOptions are the limits wms runs with.
var DefaultOptions = Options{
	Introspection:   true,
	ComplexityLimit: 20_000,
	TokenLimit:      15_000,
	MaxBodyBytes:    1 << 20,
	MaxUploadBytes:  10 << 20,
	MaxQueryBytes:   64 << 10,
	// A few hundred of a client's usual documents; one largest document
	// weighs about 2 MiB.
	QueryCacheBytes:          16 << 20,
	PersistedQueryCacheBytes: 4 << 20,
}

// NewHandler returns the GraphQL endpoint (POST, GET and multipart).
func NewHandler(r *Resolver, o Options) http.Handler {
	return newHandler(r, o, postJSON{})
}

// newHandler is NewHandler with post as the transport of JSON POSTs.
func newHandler(r *Resolver, o Options, post graphql.Transport) http.Handler {
	cfg := Config{Resolvers: r}
	cfg.Directives.HasRole = hasRole
	cfg.Directives.SelfOrAdmin = selfOrAdmin
	setComplexity(&cfg.Complexity)
	srv := handler.New(NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	// GET serves queries only: the transport refuses mutations.
	srv.AddTransport(getQuery{})
	srv.AddTransport(post)
	srv.AddTransport(multipartForm{transport.MultipartForm{
		// limitBody caps the body at this already, with a clear 413.
		MaxUploadSize: o.MaxUploadBytes + o.MaxBodyBytes,
		MaxMemory:     1 << 20, // larger files spill to a temp file
	}})
	if r.Events != nil {
		// Subscriptions: graphql-transport-ws (and the older graphql-ws),
		// authenticated by connection_init, kept alive by pings.
		srv.AddTransport(&transport.Websocket{
			InitFunc:              wsInit(r.Auth),
			InitTimeout:           10 * time.Second,
			KeepAlivePingInterval: 15 * time.Second,
			PingPongInterval:      15 * time.Second,
		})
	}
	srv.AddTransport(unsupported{})
	schemaDiscovery(srv, o.Introspection)
	useDocumentLimits(srv, o)
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.SetParserTokenLimit(o.TokenLimit)
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if info := requestInfoFrom(ctx); info != nil && oc != nil {
			info.setOperation(operationName(oc))
		}
		handle := next(withLoaders(ctx, newLoaders(r.Store)))
		if o.Observe == nil || oc == nil {
			return handle
		}
		return func(ctx context.Context) *graphql.Response {
			resp := handle(ctx)
			if resp != nil {
				outcome := "ok"
				if len(resp.Errors) > 0 {
					outcome = "error"
					if code, ok := resp.Errors[0].Extensions["code"].(string); ok {
						outcome = code
					}
				}
				o.Observe(ctx, operationName(oc), outcome, time.Since(oc.Stats.OperationStart))
			}
			return resp
		}
	})
	return noSniff(withRetryAfter(limitBody(o, requirePreflight(r.Auth.Middleware(srv)))))
}

// hasRole is the @hasRole directive: the field runs only for a caller with
// the role or a higher one.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, role model.Role) (any, error) {
	if _, err := auth.Require(ctx, role); err != nil {
		return nil, err
	}
	return next(ctx)
}

func operationName(oc *graphql.OperationContext) string {
	if oc.OperationName != "" {
		return oc.OperationName
	}
	if oc.Operation != nil && oc.Operation.Name != "" {
		return oc.Operation.Name
	}
	return "anonymous"
}

// preflightHeaders are the headers of which a multipart request must carry
// one. A browser cannot send them cross-site without a CORS preflight, so a
// form on another site cannot post an upload with the user's credentials.
var preflightHeaders = []string{"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "GraphQL-Require-Preflight"}

// requirePreflight refuses multipart/form-data requests without a preflight
// header: a plain HTML form can send multipart cross-site with no preflight.
func requirePreflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isMultipart(r) && !HasPreflightHeader(r) {
			writeBadRequest(w, "multipart requests must carry one of the headers "+
				strings.Join(preflightHeaders, ", ")+
				" (e.g. Apollo-Require-Preflight: true) to prove they are not a cross-site form post")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// HasPreflightHeader reports whether r carries a CSRF preflight header.
func HasPreflightHeader(r *http.Request) bool {
	for _, h := range preflightHeaders {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// limitBody caps what a request may send. A JSON body (at most
// MaxBodyBytes) is read here, so one too large is a clear 413 whether or not
// it declared its length, and handed on as its bytes (postJSON decodes them
// without another copy); a multipart body streams, capped, to the upload
// handling.
func limitBody(o Options, next http.Handler) http.Handler {
	tooLarge := func(w http.ResponseWriter, limit int64) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		fmt.Fprintf(w, `{"errors":[{"message":"request body too large (at most %d bytes)","extensions":{"code":"BAD_USER_INPUT"}}]}`, limit)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := o.MaxBodyBytes
		if isMultipart(r) {
			limit = o.MaxUploadBytes + o.MaxBodyBytes
		}
		if r.ContentLength > limit {
			tooLarge(w, limit)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if r.Method == http.MethodPost && !isMultipart(r) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					tooLarge(w, limit)
					return
				}
				writeBadRequest(w, "cannot read the request body")
				return
			}
			r.Body = newReadBody(body)
		}
		next.ServeHTTP(w, r)
	})
}
