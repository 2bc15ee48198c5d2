package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wms backup while the server runs, and wms restore: the manifest lists the
// media of the copy, a restore over data needs --force, and a restore whose
// media files are not in the store says which and fails.
func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	live := map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "live.db"), "WMS_MEDIA_DIR": filepath.Join(dir, "media"), "WMS_LOG_LEVEL": "error"}
	m, _, _ := startMain(t, live)
	waitReady(t, m, 10*time.Second)
	photo, err := m.app.Load().files.Save(context.Background(), "p.png", strings.NewReader("\x89PNG\r\n\x1a\n"+strings.Repeat("p", 300)))
	if err != nil {
		t.Fatal(err)
	}
	cmd := func(vars map[string]string, args ...string) (int, string) {
		var out, errs bytes.Buffer
		code := run(context.Background(), args, env(vars), &out, &errs)
		return code, out.String() + errs.String()
	}
	backup := filepath.Join(dir, "backup.db")
	if code, out := cmd(live, "backup", backup); code != 0 {
		t.Fatalf("backup: %d %s", code, out)
	}
	var manifest backupManifest
	b, err := os.ReadFile(backup + ".media.json")
	if err != nil || json.Unmarshal(b, &manifest) != nil || len(manifest.Media) != 1 || manifest.Media[0].Key != photo.Key ||
		manifest.Media[0].SHA256 != photo.SHA256 || manifest.MediaStore != "folder" {
		t.Fatalf("manifest %s: %v", b, err)
	}
	if code, out := cmd(live, "backup", backup); code != 1 || !strings.Contains(out, "exists") {
		t.Errorf("backup over an existing file: %d %s", code, out)
	}

	other := map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "other", "wms.db"), "WMS_MEDIA_DIR": live["WMS_MEDIA_DIR"], "WMS_LOG_LEVEL": "error"}
	if code, out := cmd(other, "restore", backup); code != 0 || !strings.Contains(out, "all 1 media files") {
		t.Fatalf("restore: %d %s", code, out)
	}
	if code, out := cmd(other, "restore", backup); code != 1 || !strings.Contains(out, "--force") {
		t.Errorf("restore over data without --force: %d %s", code, out)
	}
	if code, out := cmd(other, "restore", "--force", backup); code != 0 {
		t.Errorf("restore --force: %d %s", code, out)
	}
	noMedia := map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "third.db"), "WMS_MEDIA_DIR": filepath.Join(dir, "empty"), "WMS_LOG_LEVEL": "error"}
	if code, out := cmd(noMedia, "restore", backup); code != 1 || !strings.Contains(out, "missing media file "+photo.Key) {
		t.Errorf("restore without its media: %d %s", code, out)
	}
	if code, out := cmd(map[string]string{"WMS_DB": "mysql"}, "backup", filepath.Join(dir, "x.db")); code != 2 || !strings.Contains(out, "mysqldump") {
		t.Errorf("backup on MySQL: %d %s", code, out)
	}
}
