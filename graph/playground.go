package graph

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql/playground"
)

// The GraphiQL IDE and React are bundled (see playground/LICENSES.md) and
// served by the binary: gqlgen's playground loads them from a CDN, which a
// shop's network or an air-gapped server may not reach.
//
//go:embed playground/*.js playground/*.css
var playgroundFiles embed.FS

// PlaygroundAssetsPath is where the bundled IDE files are served.
const PlaygroundAssetsPath = "/playground/assets/"

// Playground returns the IDE page for the endpoint and the handler of its assets.
func Playground(endpoint string) (page http.Handler, assets http.Handler) {
	sub, _ := fs.Sub(playgroundFiles, "playground")
	sri := func(name string) string {
		b, _ := fs.ReadFile(sub, name)
		sum := sha256.Sum256(b)
		return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
	}
	url := func(name string) string { return PlaygroundAssetsPath + name }
	page = playground.Handler("wms", endpoint,
		playground.WithGraphiqlVersion(url("graphiql.min.js"), url("graphiql.min.css"),
			sri("graphiql.min.js"), sri("graphiql.min.css")),
		playground.WithGraphiqlReactVersion(url("react.production.min.js"), url("react-dom.production.min.js"),
			sri("react.production.min.js"), sri("react-dom.production.min.js")),
		playground.WithStoragePrefix("wms:"),
	)
	files := http.StripPrefix(PlaygroundAssetsPath, http.FileServerFS(sub))
	assets = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
	return lockedDown(page), assets
}

// lockedDown serves the IDE page, which is the same for every request,
// with a Content-Security-Policy: scripts only from this server or the
// page's own inline script (by its hash), requests only to this server, and
// no framing by any site (frame-ancestors 'none', and X-Frame-Options for
// older browsers), so another site cannot overlay the IDE to trick a
// signed-in user into running a query. Styles may be inline: the IDE's
// dialogs add style elements.
func lockedDown(page http.Handler) http.Handler {
	rec := &pageRecorder{header: http.Header{}}
	page.ServeHTTP(rec, pageRequest())
	body := rec.body.Bytes()
	var hashes []string
	for _, m := range inlineScript.FindAllSubmatch(body, -1) {
		sum := sha256.Sum256(m[1])
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' " + strings.Join(hashes, " "),
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
	contentType := rec.header.Get("Content-Type")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(body)
	})
}

// inlineScript matches a <script> element without a src, capturing its text.
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

func pageRequest() *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	return r
}

// pageRecorder keeps what a handler writes.
type pageRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header         { return p.header }
func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *pageRecorder) WriteHeader(int)             {}
