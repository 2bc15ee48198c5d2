package graph

import "net/http"

// noSniff tells browsers to take every answer of the endpoint for the type
// it says (JSON), never to guess another from its content: an answer that
// echoes what a caller sent cannot be run as a script or a page.
func noSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
