package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GET /schema.graphql serves schema.graphqls, byte for byte, for code
// generators, when introspection is on; with it off, 403 in JSON with a code.
func TestSchemaIsServedForCodeGenerators(t *testing.T) {
	want, err := os.ReadFile("schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	for _, introspection := range []string{"true", "false"} {
		dir := t.TempDir()
		m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "wms.db"),
			"WMS_MEDIA_DIR": filepath.Join(dir, "media"), "WMS_INTROSPECTION": introspection})
		waitReady(t, m, 5e9)
		res, err := http.Get(base + "/schema.graphql")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if introspection == "true" {
			if res.StatusCode != 200 || string(body) != string(want) || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("introspection on: %d %s, %d bytes (want %d, as schema.graphqls)", res.StatusCode, res.Header.Get("Content-Type"), len(body), len(want))
			}
			req, _ := http.NewRequest(http.MethodGet, base+"/schema.graphql", nil)
			req.Header.Set("If-None-Match", res.Header.Get("ETag"))
			if again, err := http.DefaultClient.Do(req); err != nil || again.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: %v %v", again, err)
			}
			continue
		}
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Content-Type") != "application/json" ||
			!strings.Contains(string(body), `"code":"INTROSPECTION_DISABLED"`) {
			t.Errorf("introspection off: %d %s", res.StatusCode, body)
		}
	}
}
