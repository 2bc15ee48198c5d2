package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// preflight sends the OPTIONS request a browser sends before an Apollo
// upload from origin.
func preflight(t *testing.T, url, origin, method, headers string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, url, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestCORSAnswersBrowserAppsOnListedOrigins(t *testing.T) {
	const app = "http://localhost:4200"
	// As a browser sends them: lower case, sorted.
	apollo := "apollo-require-preflight,authorization,content-type,x-apollo-operation-name"
	for _, tc := range []struct {
		name, origins, origin string
		allowed               string // the Access-Control-Allow-Origin wanted, "" for none
		credentials           bool
	}{
		{name: "exact origin", origins: "https://shop.example, " + app, origin: app, allowed: app, credentials: true},
		{name: "origin not listed", origins: "https://shop.example", origin: app},
		{name: "any origin", origins: "*", origin: app, allowed: "*"},
		{name: "no setting", origins: "", origin: app},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "wms.db"),
				"WMS_MEDIA_DIR": filepath.Join(dir, "media"), "WMS_CORS_ORIGINS": tc.origins})
			waitReady(t, m, 5e9)
			for _, path := range []string{"/query", "/upload", "/media/1/photo.png", "/schema.graphql"} {
				res := preflight(t, base+path, tc.origin, "POST", apollo)
				got := res.Header.Get("Access-Control-Allow-Origin")
				if got != tc.allowed {
					t.Errorf("preflight %s: Access-Control-Allow-Origin %q, want %q", path, got, tc.allowed)
				}
				if tc.allowed == "" {
					if h := res.Header.Get("Access-Control-Allow-Headers"); h != "" {
						t.Errorf("preflight %s from an origin not allowed: Access-Control-Allow-Headers %q", path, h)
					}
					continue
				}
				if res.StatusCode != http.StatusNoContent {
					t.Errorf("preflight %s: %d", path, res.StatusCode)
				}
				allowHeaders := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
				for _, h := range strings.Split(apollo, ",") {
					if !strings.Contains(allowHeaders, h) {
						t.Errorf("preflight %s: Access-Control-Allow-Headers %q lacks %s", path, allowHeaders, h)
					}
				}
				if creds := res.Header.Get("Access-Control-Allow-Credentials") == "true"; creds != tc.credentials {
					t.Errorf("preflight %s: credentials %v, want %v", path, creds, tc.credentials)
				}
			}
			// The request itself: the answer names the origin (or *) and says
			// that it varies by Origin.
			req, _ := http.NewRequest(http.MethodPost, base+"/query", strings.NewReader(`{"query":"{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", tc.origin)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tc.allowed {
				t.Errorf("POST /query: Access-Control-Allow-Origin %q, want %q", got, tc.allowed)
			}
			if tc.allowed != "" && !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Retry-After") {
				t.Errorf("POST /query: Access-Control-Expose-Headers %q", res.Header.Get("Access-Control-Expose-Headers"))
			}
			// Paths a browser app does not call get no CORS headers.
			if res := preflight(t, base+"/metrics", tc.origin, "GET", ""); res.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("/metrics answered a preflight from %s", tc.origin)
			}
		})
	}
}

func TestCORSOriginsAreChecked(t *testing.T) {
	for v, want := range map[string]string{
		"":                           "",
		"*":                          "*",
		"http://localhost:4200":      "http://localhost:4200",
		" https://Shop.Example/ , *": "error",
		"https://shop.example/app":   "error",
		"localhost:4200":             "error",
		"https://*.example":          "error",
		"ftp://shop.example":         "error",
		"https://a.example,https://B.example:8443": "https://a.example https://b.example:8443",
	} {
		got, err := parseOrigins(v)
		switch {
		case want == "error" && err == nil:
			t.Errorf("WMS_CORS_ORIGINS=%q accepted as %v", v, got)
		case want != "error" && (err != nil || strings.Join(got, " ") != want):
			t.Errorf("WMS_CORS_ORIGINS=%q: %v %v, want %q", v, got, err, want)
		}
	}
}
