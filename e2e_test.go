package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestApolloUploadClient drives a running wms with the real @apollo/client
// and apollo-upload-client from npm (test/e2e): upload, attach to goods,
// download back. It needs Node.js and `npm ci --prefix test/e2e`, which
// .ci/run does.
func TestApolloUploadClient(t *testing.T) {
	// CI sets WMS_E2E=required so that a missing Node.js fails rather than skips.
	skip := t.Skip
	if os.Getenv("WMS_E2E") == "required" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed: end-to-end upload test skipped")
	}
	if _, err := os.Stat("test/e2e/node_modules/apollo-upload-client"); err != nil {
		skip("test/e2e/node_modules is missing (run npm ci --prefix test/e2e): end-to-end upload test skipped")
	}
	base, token := mediaServer(t)
	photo := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(photo, pngBytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "upload.mjs", photo)
	cmd.Dir = "test/e2e"
	cmd.Env = append(os.Environ(), "WMS_URL="+base, "WMS_TOKEN="+token)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: media") {
		t.Fatalf("node upload.mjs: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
}
