package main

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
)

// lookupIn is an environment made of the map, for LoadConfig and run.
func lookupIn(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// secretFile writes content to a fresh file and returns its path, as Docker
// mounts a secret.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// With nothing set, wms runs on :8080 with SQLite and media under ./data
// (SPEC §5), with the pool bounds well under MySQL's wait_timeout.
func TestLoadConfigDefaults(t *testing.T) {
	got, err := LoadConfig(lookupIn(nil))
	if err != nil {
		t.Fatalf("empty environment: %v", err)
	}
	want := Config{
		Addr:       ":8080",
		DB:         db.SQLite,
		SQLitePath: "./data/wms.db",
		MySQL: db.MySQLOptions{
			Host: "mysql", Port: 3306, User: "wms", Password: "", Database: "wms", DSN: "",
		},
		MaxOpenConns:    20,
		ConnMaxLifetime: 3 * time.Minute,
		ConnMaxIdleTime: time.Minute,
		DBWait:          60 * time.Second,
		RequestTimeout:  5 * time.Second,
		MaxQueryBytes:   64 << 10,
		BodyTimeout:     30 * time.Second,
		UploadTimeout:   10 * time.Minute,
		WriteTimeout:    30 * time.Second,
		MaxConns:        1000,
		MaxConnsPerAddr: 500,
		MediaDir:        "./data/media",
		MaxUploadBytes:  10 << 20,
		AdminUser:       "admin",
		AdminPassword:   "",
		SessionTTL:      168 * time.Hour,
		ExportTTL:       24 * time.Hour,
		DefaultLocation: "Main",
		EventRetention:  720 * time.Hour,
		EventPoll:       100 * time.Millisecond,
		ExpiryWarn:      72 * time.Hour,
		Playground:      true,
		Introspection:   true,
		MediaURLTTL:     time.Hour,
		Timezone:        time.UTC,
		LogFormat:       "",
		LogLevel:        zerolog.InfoLevel,
	}
	// The upload allow-list belongs to the media tests.
	want.UploadTypes = got.UploadTypes
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", got, want)
	}

	// Each default written in the table, set explicitly, means the same as
	// leaving the variable unset: the table's defaults pass its own checks.
	explicit := map[string]string{}
	for _, s := range settings {
		explicit[s.name] = s.def
	}
	same, err := LoadConfig(lookupIn(explicit))
	if err != nil {
		t.Fatalf("every default set explicitly: %v", err)
	}
	if !reflect.DeepEqual(same, got) {
		t.Errorf("explicit defaults\n got %+v\nwant %+v", same, got)
	}
}

// Every variable lands in its field.
func TestLoadConfigReadsEveryVariable(t *testing.T) {
	got, err := LoadConfig(lookupIn(map[string]string{
		"WMS_ADDR":                  "127.0.0.1:9000",
		"WMS_DB":                    "mysql",
		"WMS_SQLITE_PATH":           "/var/lib/wms/wms.db",
		"WMS_MYSQL_HOST":            "db",
		"WMS_MYSQL_PORT":            "3307",
		"WMS_MYSQL_USER":            "shop",
		"WMS_MYSQL_PASSWORD":        "db-password",
		"WMS_MYSQL_DATABASE":        "warehouse",
		"WMS_MYSQL_DSN":             "shop:pw@tcp(db:3306)/warehouse",
		"WMS_DB_MAX_OPEN_CONNS":     "7",
		"WMS_DB_CONN_MAX_LIFETIME":  "90s",
		"WMS_DB_CONN_MAX_IDLE_TIME": "30s",
		"WMS_DB_WAIT":               "2m",
		"WMS_REQUEST_TIMEOUT":       "7s",
		"WMS_MAX_QUERY_BYTES":       "4096",
		"WMS_BODY_TIMEOUT":          "10s",
		"WMS_UPLOAD_TIMEOUT":        "1h",
		"WMS_WRITE_TIMEOUT":         "1m",
		"WMS_MAX_CONNS":             "64",
		"WMS_MAX_CONNS_PER_ADDR":    "0",
		"WMS_EXPORT_TTL":            "2h",
		"WMS_DEFAULT_LOCATION":      "  Storeroom ",
		"WMS_EVENT_RETENTION":       "48h",
		"WMS_EVENT_POLL":            "1s",
		"WMS_EXPIRY_WARN_DAYS":      "5",
		"WMS_WEBHOOK_ALLOW_PRIVATE": "true",
		"WMS_MEDIA_DIR":             "/srv/media",
		"WMS_MAX_UPLOAD_BYTES":      "1024",
		"WMS_ADMIN_USER":            "boss",
		"WMS_ADMIN_PASSWORD":        "admin-password",
		"WMS_SESSION_TTL":           "12h",
		"WMS_TRUSTED_PROXIES":       "10.0.0.0/8, 192.168.1.7,2001:db8::/32",
		"WMS_PLAYGROUND":            "false",
		"WMS_INTROSPECTION":         "0",
		"WMS_LOG_FORMAT":            "json",
		"WMS_LOG_LEVEL":             "warn",
		"WMS_CORS_ORIGINS":          "http://localhost:4200, https://shop.example",
		"WMS_MEDIA_URL_TTL":         "15m",
		"WMS_MEDIA_SIGNING_KEY":     "a media signing key of 32+ chars",
		"WMS_TIMEZONE":              "Asia/Shanghai",
	}))
	if err != nil {
		t.Fatal(err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	want := Config{
		Addr:       "127.0.0.1:9000",
		DB:         db.MySQL,
		SQLitePath: "/var/lib/wms/wms.db",
		MySQL: db.MySQLOptions{
			Host: "db", Port: 3307, User: "shop", Password: "db-password", Database: "warehouse",
			DSN: "shop:pw@tcp(db:3306)/warehouse",
		},
		MaxOpenConns:    7,
		ConnMaxLifetime: 90 * time.Second,
		ConnMaxIdleTime: 30 * time.Second,
		DBWait:          2 * time.Minute,
		RequestTimeout:  7 * time.Second,
		MaxQueryBytes:   4096,
		BodyTimeout:     10 * time.Second,
		UploadTimeout:   time.Hour,
		WriteTimeout:    time.Minute,
		MaxConns:        64,
		MaxConnsPerAddr: 0,
		MediaDir:        "/srv/media",
		MaxUploadBytes:  1024,
		AdminUser:       "boss",
		AdminPassword:   "admin-password",
		SessionTTL:      12 * time.Hour,
		TrustedProxies: auth.TrustedProxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
			netip.MustParsePrefix("2001:db8::/32")},
		ExportTTL:           2 * time.Hour,
		DefaultLocation:     "Storeroom",
		EventRetention:      48 * time.Hour,
		EventPoll:           time.Second,
		ExpiryWarn:          5 * 24 * time.Hour,
		WebhookAllowPrivate: true,
		Playground:          false,
		Introspection:       false,
		LogFormat:           "json",
		LogLevel:            zerolog.WarnLevel,
		CORSOrigins:         []string{"http://localhost:4200", "https://shop.example"},
		MediaURLTTL:         15 * time.Minute,
		MediaSigningKey:     "a media signing key of 32+ chars",
		Timezone:            shanghai,
	}
	want.UploadTypes = got.UploadTypes // the media tests' business
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config\n got %+v\nwant %+v", got, want)
	}
}

// A bad value fails the start with a message naming the variable and, for
// anything that is not a secret, the value.
func TestLoadConfigRejectsBadValues(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"WMS_ADDR", ""},
		{"WMS_ADDR", "   "},
		{"WMS_DB", "postgres"},
		{"WMS_DB", "SQLite"},
		{"WMS_DB", ""},
		{"WMS_SQLITE_PATH", ""},
		{"WMS_MYSQL_HOST", ""},
		{"WMS_MYSQL_PORT", "0"},
		{"WMS_MYSQL_PORT", "65536"},
		{"WMS_MYSQL_PORT", "-1"},
		{"WMS_MYSQL_PORT", "mysql"},
		{"WMS_MYSQL_PORT", ""},
		{"WMS_MYSQL_USER", ""},
		{"WMS_MYSQL_DATABASE", " "},
		{"WMS_DB_MAX_OPEN_CONNS", "0"},
		{"WMS_DB_MAX_OPEN_CONNS", "-3"},
		{"WMS_DB_MAX_OPEN_CONNS", "1001"},
		{"WMS_DB_MAX_OPEN_CONNS", "many"},
		{"WMS_DB_MAX_OPEN_CONNS", "2.5"},
		{"WMS_DB_CONN_MAX_LIFETIME", "0s"},
		{"WMS_DB_CONN_MAX_LIFETIME", "-3m"},
		{"WMS_DB_CONN_MAX_LIFETIME", "180"},
		{"WMS_DB_CONN_MAX_LIFETIME", "forever"},
		{"WMS_DB_CONN_MAX_IDLE_TIME", "0"},
		{"WMS_DB_CONN_MAX_IDLE_TIME", "1 minute"},
		{"WMS_DB_WAIT", "-1s"},
		{"WMS_DB_WAIT", "soon"},
		{"WMS_DB_WAIT", ""},
		{"WMS_SESSION_TTL", "0h"},
		{"WMS_SESSION_TTL", "7d"},
		{"WMS_MAX_QUERY_BYTES", "0"},
		{"WMS_MAX_QUERY_BYTES", "64KiB"},
		{"WMS_BODY_TIMEOUT", "0s"},
		{"WMS_UPLOAD_TIMEOUT", "ten minutes"},
		{"WMS_WRITE_TIMEOUT", "-1s"},
		{"WMS_MAX_CONNS", "0"},
		{"WMS_MAX_CONNS", "lots"},
		{"WMS_MAX_CONNS_PER_ADDR", "-1"},
		{"WMS_MEDIA_DIR", ""},
		{"WMS_MAX_UPLOAD_BYTES", "0"},
		{"WMS_MAX_UPLOAD_BYTES", "-1"},
		{"WMS_MAX_UPLOAD_BYTES", "10MB"},
		{"WMS_MAX_UPLOAD_BYTES", "1e7"},
		{"WMS_UPLOAD_TYPES", ""},
		{"WMS_UPLOAD_TYPES", " , "},
		{"WMS_UPLOAD_TYPES", "png"},
		{"WMS_ADMIN_USER", ""},
		{"WMS_TRUSTED_PROXIES", "10.0.0.0/33"},
		{"WMS_TRUSTED_PROXIES", "10.0.0.1, nginx"},
		{"WMS_TRUSTED_PROXIES", "10.0.0.*"},
		{"WMS_PLAYGROUND", "yes"},
		{"WMS_PLAYGROUND", "on"},
		{"WMS_PLAYGROUND", ""},
		{"WMS_INTROSPECTION", "2"},
		{"WMS_LOG_FORMAT", "xml"},
		{"WMS_LOG_FORMAT", "JSON"},
		{"WMS_LOG_LEVEL", "loud"},
		{"WMS_LOG_LEVEL", ""},
		{"WMS_CORS_ORIGINS", "localhost:4200"},
		{"WMS_CORS_ORIGINS", "https://shop.example/app"},
		{"WMS_CORS_ORIGINS", "*, https://shop.example"},
		{"WMS_MEDIA_URL_TTL", "0s"},
		{"WMS_MEDIA_URL_TTL", "an hour"},
		{"WMS_TIMEZONE", "Mars/Olympus"},
		{"WMS_TIMEZONE", ""},
		{"WMS_TIMEZONE", "Local"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			_, err := LoadConfig(lookupIn(map[string]string{tc.name: tc.value}))
			if err == nil {
				t.Fatalf("%s=%q accepted", tc.name, tc.value)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.name+"=") {
				t.Errorf("the error does not name %s: %s", tc.name, msg)
			}
			if !strings.Contains(msg, `"`+tc.value+`"`) {
				t.Errorf("the error does not show the bad value %q: %s", tc.value, msg)
			}
			if strings.Count(msg, "WMS_") != 1 {
				t.Errorf("one bad value, yet more variables named: %s", msg)
			}
		})
	}
}

// One failed start shows everything that is wrong, one line per variable.
func TestLoadConfigReportsEveryBadValueAtOnce(t *testing.T) {
	bad := map[string]string{
		"WMS_DB":                "oracle",
		"WMS_MYSQL_PORT":        "99999",
		"WMS_DB_WAIT":           "0s",
		"WMS_PLAYGROUND":        "sometimes",
		"WMS_LOG_LEVEL":         "chatty",
		"WMS_MAX_UPLOAD_BYTES":  "lots",
		"WMS_DB_MAX_OPEN_CONNS": "0",
	}
	vars := map[string]string{"WMS_ADDR": "127.0.0.1:9000", "WMS_LOG_FORMAT": "json"} // good ones among them
	for k, v := range bad {
		vars[k] = v
	}
	_, err := LoadConfig(lookupIn(vars))
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(bad) {
		t.Errorf("%d lines for %d bad values:\n%v", len(lines), len(bad), err)
	}
	for name := range bad {
		if !strings.Contains(err.Error(), name+"=") {
			t.Errorf("%s missing from:\n%v", name, err)
		}
	}
	for _, good := range []string{"WMS_ADDR", "WMS_LOG_FORMAT"} {
		if strings.Contains(err.Error(), good) {
			t.Errorf("a good value reported: %s in\n%v", good, err)
		}
	}
}

// Every secret also reads NAME_FILE (a Docker secret); the file's line ending
// is not part of the secret.
func TestLoadConfigReadsSecretFiles(t *testing.T) {
	const dsn = "shop:dsn-password@tcp(db:3306)/wms?tls=false"
	for _, tc := range []struct {
		name, content, want string
		field               func(Config) string
	}{
		{"WMS_MYSQL_PASSWORD", "db password\n", "db password", func(c Config) string { return c.MySQL.Password }},
		{"WMS_MYSQL_PASSWORD", "no-newline", "no-newline", func(c Config) string { return c.MySQL.Password }},
		{"WMS_MYSQL_PASSWORD", "crlf-password\r\n", "crlf-password", func(c Config) string { return c.MySQL.Password }},
		{"WMS_MYSQL_DSN", dsn + "\n", dsn, func(c Config) string { return c.MySQL.DSN }},
		{"WMS_ADMIN_PASSWORD", "admin password\n\n", "admin password", func(c Config) string { return c.AdminPassword }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(lookupIn(map[string]string{tc.name + "_FILE": secretFile(t, tc.content)}))
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.field(c); got != tc.want {
				t.Errorf("from the file: %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLoadConfigSecretFileErrors(t *testing.T) {
	for _, name := range []string{"WMS_MYSQL_PASSWORD", "WMS_MYSQL_DSN", "WMS_ADMIN_PASSWORD"} {
		t.Run(name+"/missing file", func(t *testing.T) {
			missing := filepath.Join(t.TempDir(), "no-such-secret")
			_, err := LoadConfig(lookupIn(map[string]string{name + "_FILE": missing}))
			if err == nil || !strings.Contains(err.Error(), name+"_FILE") || !strings.Contains(err.Error(), missing) {
				t.Errorf("got %v, want an error naming %s_FILE and the path", err, name)
			}
		})
		t.Run(name+"/both set", func(t *testing.T) {
			const inVar, inFile = "value-in-variable", "value-in-file"
			_, err := LoadConfig(lookupIn(map[string]string{name: inVar, name + "_FILE": secretFile(t, inFile)}))
			if err == nil || !strings.Contains(err.Error(), name+" and "+name+"_FILE") {
				t.Errorf("got %v, want an error naming both %s and %s_FILE", err, name, name)
			}
			if err != nil && (strings.Contains(err.Error(), inVar) || strings.Contains(err.Error(), inFile)) {
				t.Errorf("a secret shown: %v", err)
			}
		})
	}
	// Only secrets have a _FILE twin; other variables ignore one.
	c, err := LoadConfig(lookupIn(map[string]string{"WMS_ADDR_FILE": "/nonexistent"}))
	if err != nil || c.Addr != ":8080" {
		t.Errorf("WMS_ADDR_FILE: %q %v", c.Addr, err)
	}
}

// A secret that fails its check is reported by name, never by value: the
// message ends up in logs and CI output.
func TestLoadConfigNeverShowsSecrets(t *testing.T) {
	for _, tc := range []struct{ name, secret string }{
		{"WMS_MYSQL_DSN", "root:hunter2-dsn@tcp(db:3306"},
		{"WMS_MYSQL_DSN", "hunter2-dsn@@@"},
		{"WMS_ADMIN_PASSWORD", "hunt3r"},
		{"WMS_ADMIN_PASSWORD", strings.Repeat("hunter2-", 100)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, vars := range []map[string]string{
				{tc.name: tc.secret},
				{tc.name + "_FILE": secretFile(t, tc.secret+"\n")},
			} {
				_, err := LoadConfig(lookupIn(vars))
				if err == nil {
					t.Fatalf("%v accepted", vars)
				}
				if strings.Contains(err.Error(), "hunt") {
					t.Errorf("the secret is in the error: %v", err)
				}
				if !strings.Contains(err.Error(), tc.name+`="(hidden)"`) {
					t.Errorf("the error does not name %s with a hidden value: %v", tc.name, err)
				}
			}
		})
	}

	// The same through the command: exit 2, the variable named on stderr,
	// no secret anywhere in the output, valid secrets included.
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, lookupIn(map[string]string{
		"WMS_DB":             "oracle",
		"WMS_MYSQL_PASSWORD": "hunter2-db",
		"WMS_MYSQL_DSN":      "root:hunter2-dsn@tcp(db:3306",
		"WMS_ADMIN_PASSWORD": "hunter2-admin",
	}), &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if code != 2 || !strings.Contains(stderr.String(), "WMS_DB=") || !strings.Contains(stderr.String(), "WMS_MYSQL_DSN=") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("a secret in the output:\n%s", out)
	}
}

func TestRunCommandLine(t *testing.T) {
	invalid := lookupIn(map[string]string{"WMS_DB_WAIT": "never"})
	for _, tc := range []struct {
		args     []string
		env      func(string) (string, bool)
		code     int
		stdout   []string
		stderr   []string
		noStdout bool
		noStderr bool
	}{
		{args: []string{"help"}, env: lookupIn(nil), code: 0, stdout: []string{"usage: wms", "serve", "migrate", "user"}, noStderr: true},
		{args: []string{"-h"}, env: lookupIn(nil), code: 0, stdout: []string{"usage: wms"}, noStderr: true},
		{args: []string{"--help"}, env: lookupIn(nil), code: 0, stdout: []string{"usage: wms"}, noStderr: true},
		// Help needs no valid configuration: it is what one reads to fix it.
		{args: []string{"help"}, env: invalid, code: 0, stdout: []string{"usage: wms"}, noStderr: true},
		{args: []string{"dance"}, env: lookupIn(nil), code: 2, stderr: []string{`unknown command "dance"`, "usage: wms"}, noStdout: true},
		{args: []string{"serve"}, env: invalid, code: 2, stderr: []string{"invalid configuration", `WMS_DB_WAIT="never"`}, noStdout: true},
		{args: nil, env: invalid, code: 2, stderr: []string{`WMS_DB_WAIT="never"`}, noStdout: true},
		{args: []string{"migrate"}, env: invalid, code: 2, stderr: []string{`WMS_DB_WAIT="never"`}, noStdout: true},
		// version and every command's --help print and exit, whatever the
		// configuration, and touch no database.
		{args: []string{"version"}, env: invalid, code: 0, stdout: []string{"wms ", "revision: ", "committed: ", "go: go1."}, noStderr: true},
		{args: []string{"--version"}, env: invalid, code: 0, stdout: []string{"wms ", "revision: "}, noStderr: true},
		{args: []string{"serve", "--help"}, env: invalid, code: 0, stdout: []string{"usage: wms serve"}, noStderr: true},
		{args: []string{"serve", "-h"}, env: invalid, code: 0, stdout: []string{"usage: wms serve"}, noStderr: true},
		{args: []string{"migrate", "--help"}, env: invalid, code: 0, stdout: []string{"usage: wms migrate"}, noStderr: true},
		{args: []string{"user", "--help"}, env: invalid, code: 0, stdout: []string{"usage: wms user", "ROLE is ADMIN, CLERK or VIEWER"}, noStderr: true},
		{args: []string{"user", "create", "--help"}, env: invalid, code: 0, stdout: []string{"usage: wms user"}, noStderr: true},
		{args: []string{"healthcheck", "--help"}, env: invalid, code: 0, stdout: []string{"usage: wms healthcheck"}, noStderr: true},
		{args: []string{"version", "--help"}, env: invalid, code: 0, stdout: []string{"usage: wms version"}, noStderr: true},
		{args: []string{"help"}, env: lookupIn(nil), code: 0, stdout: []string{"version"}, noStderr: true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, tc.env, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
			if tc.noStdout && stdout.Len() > 0 {
				t.Errorf("unexpected stdout:\n%s", stdout.String())
			}
			if tc.noStderr && stderr.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", stderr.String())
			}
		})
	}
}
