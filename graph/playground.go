package graph

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"

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
		files.ServeHTTP(w, r)
	})
	return page, assets
}
