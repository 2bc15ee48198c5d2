package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rs/cors"
)

// CORS lets a browser app on another origin (an Angular dev server on
// localhost:4200, an app on its own domain) call the API: /query, /upload,
// /media and /schema.graphql answer its preflights and its requests with the
// CORS headers, for the origins listed in WMS_CORS_ORIGINS. Tokens travel in
// the Authorization header, never in cookies, so a listed origin is what
// decides; credentials are allowed only for an exact list, never with "*".

// corsHeaders are the request headers a browser app may send: the token, the
// body's type, the preflight headers apollo-upload-client and Apollo send
// (see graph.HasPreflightHeader), Apollo's client awareness, and Range for
// media.
var corsHeaders = []string{
	"Authorization", "Content-Type", "Accept",
	"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "GraphQL-Require-Preflight",
	"Apollographql-Client-Name", "Apollographql-Client-Version",
	"Range", "If-None-Match", "If-Modified-Since",
}

// corsExposed are the response headers a browser app may read.
var corsExposed = []string{"Content-Disposition", "ETag", "Retry-After", "Location", "Content-Range", "Accept-Ranges", "WWW-Authenticate"}

// withCORS answers CORS for the API's paths when origins are set; with none
// it returns next as it is (no CORS headers).
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	anyOrigin := len(origins) == 1 && origins[0] == "*"
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodHead},
		AllowedHeaders:   corsHeaders,
		ExposedHeaders:   corsExposed,
		AllowCredentials: !anyOrigin,
		MaxAge:           600,
	})
	api := c.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if corsPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// corsPath reports whether path is one a browser app on another origin calls.
func corsPath(path string) bool {
	return path == "/query" || path == "/upload" || path == "/schema.graphql" || strings.HasPrefix(path, "/media/")
}

// parseOrigins reads WMS_CORS_ORIGINS: "" for none, "*" for any, or exact
// origins (scheme://host[:port], no path) separated by commas.
func parseOrigins(v string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			origins = append(origins, o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Contains(o, "*") {
			return nil, fmt.Errorf("%q is not an origin such as https://shop.example or http://localhost:4200", o)
		}
		origins = append(origins, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	if len(origins) > 1 && slices.Contains(origins, "*") {
		return nil, fmt.Errorf("* allows every origin: list exact origins or * alone")
	}
	return origins, nil
}
