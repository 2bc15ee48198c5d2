package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigDefaults(t *testing.T) {
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: ":8080", DB: "sqlite", SQLitePath: "./data/wms.db", MaxOpenConns: 20,
		ConnMaxLifetime: 3 * time.Minute, ConnMaxIdleTime: time.Minute, DBWait: time.Minute,
		MediaDir: "./data/media", MaxUploadBytes: 10485760, UploadTypes: []string{"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}, AdminUser: "admin", SessionTTL: 168 * time.Hour,
		Playground: true, Introspection: true, LogLevel: zerolog.InfoLevel}
	want.MySQL = c.MySQL
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", c, want)
	}
	if c.MySQL.Host != "mysql" || c.MySQL.Port != 3306 || c.MySQL.User != "wms" || c.MySQL.Database != "wms" || c.MySQL.DSN != "" {
		t.Errorf("MySQL defaults %+v", c.MySQL)
	}
	// Pool bounds stay under what kills idle connections (MySQL's wait_timeout,
	// swarm's 900 s IPVS idle timeout).
	if c.ConnMaxLifetime >= 5*time.Minute || c.ConnMaxIdleTime >= 15*time.Minute {
		t.Errorf("pool bounds %v / %v", c.ConnMaxLifetime, c.ConnMaxIdleTime)
	}
}

func TestConfigRejectsBadValuesNamingTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"WMS_DB":                    "postgres",
		"WMS_ADDR":                  " ",
		"WMS_MYSQL_PORT":            "70000",
		"WMS_DB_MAX_OPEN_CONNS":     "0",
		"WMS_DB_CONN_MAX_LIFETIME":  "forever",
		"WMS_DB_CONN_MAX_IDLE_TIME": "-1m",
		"WMS_DB_WAIT":               "0s",
		"WMS_MAX_UPLOAD_BYTES":      "ten",
		"WMS_PLAYGROUND":            "maybe",
		"WMS_INTROSPECTION":         "2",
		"WMS_LOG_FORMAT":            "xml",
		"WMS_LOG_LEVEL":             "loud",
		"WMS_SESSION_TTL":           "week",
		"WMS_MYSQL_DSN":             "not a dsn",
		"WMS_ADMIN_PASSWORD":        "short",
	} {
		_, err := LoadConfig(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: got %v, want an error naming the variable", name, value, err)
		}
	}
	// Every bad value at once, all reported.
	_, err := LoadConfig(env(map[string]string{"WMS_DB": "x", "WMS_DB_WAIT": "y", "WMS_LOG_LEVEL": "z"}))
	for _, name := range []string{"WMS_DB=", "WMS_DB_WAIT", "WMS_LOG_LEVEL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s missing from %v", name, err)
		}
	}
}

func TestConfigSecretsFromFilesAndNeverShown(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := LoadConfig(env(map[string]string{
		"WMS_MYSQL_PASSWORD_FILE": file("db", "s3cret-db-pw\n"),
		"WMS_ADMIN_PASSWORD_FILE": file("admin", "s3cret-admin-pw\r\n"),
		"WMS_MYSQL_DSN_FILE":      file("dsn", "wms:s3cret-dsn-pw@tcp(db:3306)/wms\n"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MySQL.Password != "s3cret-db-pw" || c.AdminPassword != "s3cret-admin-pw" || !strings.HasPrefix(c.MySQL.DSN, "wms:s3cret-dsn-pw@") {
		t.Errorf("secrets from files: %q %q %q", c.MySQL.Password, c.AdminPassword, c.MySQL.DSN)
	}
	_, err = LoadConfig(env(map[string]string{"WMS_MYSQL_PASSWORD": "a", "WMS_MYSQL_PASSWORD_FILE": file("p", "b")}))
	if err == nil || !strings.Contains(err.Error(), "WMS_MYSQL_PASSWORD and WMS_MYSQL_PASSWORD_FILE") {
		t.Errorf("both set: %v", err)
	}
	_, err = LoadConfig(env(map[string]string{"WMS_ADMIN_PASSWORD_FILE": filepath.Join(dir, "missing")}))
	if err == nil || !strings.Contains(err.Error(), "WMS_ADMIN_PASSWORD_FILE") {
		t.Errorf("missing file: %v", err)
	}
	// A bad secret is reported without its value.
	for name, secret := range map[string]string{"WMS_MYSQL_DSN": "root:hunter2-pw@@bad", "WMS_ADMIN_PASSWORD": "hunt2"} {
		_, err = LoadConfig(env(map[string]string{name: secret}))
		if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "(hidden)") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// run prints the error and exits 2; the secret is nowhere in its output.
	var out, errOut bytes.Buffer
	code := run(context.Background(), nil, env(map[string]string{"WMS_MYSQL_DSN": "root:hunter2-pw@@bad", "WMS_DB": "oracle"}), &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "WMS_DB") || strings.Contains(out.String()+errOut.String(), "hunter2") {
		t.Errorf("run with a bad config: %d\n%s%s", code, out.String(), errOut.String())
	}
}

func TestCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"help"}, env(nil), &out, &errOut); code != 0 || !strings.Contains(out.String(), "migrate") {
		t.Errorf("help: %d %s", code, out.String())
	}
	if code := run(context.Background(), []string{"dance"}, env(nil), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "dance"`) {
		t.Errorf("unknown command: %d %s", code, errOut.String())
	}
	path := filepath.Join(t.TempDir(), "sub", "wms.db")
	for range 2 {
		out.Reset()
		if code := run(context.Background(), []string{"migrate"}, env(map[string]string{"WMS_SQLITE_PATH": path}), &out, &errOut); code != 0 {
			t.Fatalf("migrate: %d %s %s", code, out.String(), errOut.String())
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("migrate made no database: %v", err)
	}
}
