package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// SDL is the schema as written in schema.graphqls, for code generators
// (graphql-codegen, Apollo iOS and Kotlin) that read a schema file.
func SDL() string {
	var b strings.Builder
	for _, s := range sources {
		if !s.BuiltIn {
			b.WriteString(s.Input)
		}
	}
	return b.String()
}

// SchemaHandler serves GET /schema.graphql: the SDL, to anyone when
// introspection is on (as introspection answers it); with introspection off,
// 403 INTROSPECTION_DISABLED.
func SchemaHandler(introspection bool) http.Handler {
	sdl := SDL()
	sum := sha256.Sum256([]byte(sdl))
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !introspection {
			writeCodedError(w, http.StatusForbidden, CodeIntrospectionDisabled,
				"the schema is not served: introspection is disabled on this server (WMS_INTROSPECTION=false)")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte(sdl))
	})
}
