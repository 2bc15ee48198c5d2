package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// e2eNode returns the node binary for the tests that drive wms with real npm
// packages (test/e2e), once `npm ci --prefix test/e2e` has installed pkg.
// Without them the test is skipped; CI sets WMS_E2E=required so that it
// fails instead.
func e2eNode(t *testing.T, what, pkg string) string {
	t.Helper()
	skip := t.Skip
	if os.Getenv("WMS_E2E") == "required" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed: " + what + " skipped")
	}
	if _, err := os.Stat(filepath.Join("test/e2e/node_modules", pkg)); err != nil {
		skip("test/e2e/node_modules is missing (run npm ci --prefix test/e2e): " + what + " skipped")
	}
	return node
}

// runE2E runs a script of test/e2e against a server and checks it printed
// its OK line.
func runE2E(t *testing.T, node, base, token, ok string, args ...string) string {
	t.Helper()
	cmd := exec.Command(node, args...)
	cmd.Dir = "test/e2e"
	cmd.Env = append(os.Environ(), "WMS_URL="+base, "WMS_TOKEN="+token)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), ok) {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
	return string(out)
}

// TestApolloUploadClient drives a running wms with the real @apollo/client
// and apollo-upload-client from npm (test/e2e): upload, attach to goods,
// download back. It needs Node.js and `npm ci --prefix test/e2e`, which
// .ci/run does.
func TestApolloUploadClient(t *testing.T) {
	node := e2eNode(t, "end-to-end upload test", "apollo-upload-client")
	base, token := mediaServer(t)
	photo := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(photo, pngBytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	runE2E(t, node, base, token, "OK: media", "upload.mjs", photo)
}

// TestGraphQLOverHTTPAudit runs graphql-http's conformance audit of GraphQL over
// HTTP (test/e2e/audit.mjs) against a running wms: every audit, the MUSTs
// and the SHOULDs, must pass.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node := e2eNode(t, "GraphQL over HTTP audit", "graphql-http")
	base, token := mediaServer(t)
	out := runE2E(t, node, base, token, "OK: graphql-http audit", "audit.mjs")
	if strings.Contains(out, "WARN ") || strings.Contains(out, "ERROR ") || !strings.Contains(out, "warn 0, error 0") {
		t.Errorf("the audit warned:\n%s", out)
	}
}

// TestGraphQLWsClient subscribes with the real graphql-ws client from npm
// (the one Apollo's GraphQLWsLink uses), the token in connection_init, and
// receives the stock change of a stock-out made meanwhile.
func TestGraphQLWsClient(t *testing.T) {
	node := e2eNode(t, "graphql-ws subscription test", "graphql-ws")
	base, token := mediaServer(t)
	runE2E(t, node, base, token, "OK: stock change Live milk 7", "subscribe.mjs")
}
