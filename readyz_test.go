package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"wms/db/dbtest"
)

// /readyz answers anyone: it says the database is unreachable, never where
// it is (the driver's error, with host and port, goes to the log). Neither
// does the 503 of the API while start-up waits.
func TestReadyzDoesNotTellWhereTheDatabaseIs(t *testing.T) {
	host, port := freeAddr(t)
	r := bootMain(t, map[string]string{"WMS_DB": "mysql", "WMS_MYSQL_HOST": host, "WMS_MYSQL_PORT": port, "WMS_DB_WAIT": "60s"})
	eventually(t, 10*time.Second, "a failed attempt logged", func() bool {
		return len(r.logs.entries(t, "database not reachable yet")) >= 1
	})
	status, body := readiness(t, r.base)
	res := getURL(t, r.base+"/query?query=%7B__typename%7D")
	for what, answer := range map[string]string{"/readyz": body["reason"], "/query": res.body} {
		if strings.Contains(answer, port) || strings.Contains(answer, host) || strings.Contains(answer, "tcp") {
			t.Errorf("%s tells where the database is: %s", what, answer)
		}
	}
	if status != 503 || body["reason"] != "database unreachable" {
		t.Errorf("/readyz while the database is down: %d %v", status, body)
	}
	if !strings.Contains(r.logs.String(), net.JoinHostPort(host, port)) {
		t.Errorf("the log does not say which address failed:\n%s", r.logs.String())
	}
}

// Once serving, a database that goes away is reported the same way.
func TestReadyzAfterTheDatabaseWentAwayDoesNotTellWhereItWas(t *testing.T) {
	if os.Getenv(dbtest.DSNVar) == "" {
		t.Skipf("needs %s pointing at a MariaDB or MySQL server", dbtest.DSNVar)
	}
	real, err := mysql.ParseDSN(dbtest.FreshMySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	g := newGate(t, real.Addr)
	g.open.Store(true)
	vars := map[string]string{"WMS_DB": "mysql", "WMS_MYSQL_HOST": "127.0.0.1", "WMS_MYSQL_PORT": g.port(),
		"WMS_MYSQL_USER": real.User, "WMS_MYSQL_DATABASE": real.DBName}
	if real.Passwd != "" {
		vars["WMS_MYSQL_PASSWORD"] = real.Passwd
	}
	r := bootMain(t, vars)
	waitUntilReady(t, r, 30*time.Second)
	if status, body := readiness(t, r.base); status != 200 {
		t.Fatalf("/readyz: %d %v", status, body)
	}
	g.shut() // the listener closes: new connections are refused
	status, body := readiness(t, r.base)
	if status != 503 || body["reason"] != "database unreachable" || strings.Contains(body["reason"], g.port()) {
		t.Errorf("/readyz with the database gone: %d %v", status, body)
	}
}

// A media store that cannot be written (here its folder has become a file;
// a full disk or a read-only mount fail the same way) makes /readyz say so,
// and an upload or a report answers UNAVAILABLE, not INTERNAL, naming no
// path. Once the store is back, all is well again.
func TestAMediaStoreThatCannotBeWritten(t *testing.T) {
	dir := t.TempDir()
	mediaDir := filepath.Join(dir, "media")
	r := bootMain(t, map[string]string{"WMS_MEDIA_DIR": mediaDir})
	waitUntilReady(t, r, 10*time.Second)
	token := loginAsAdmin(t, r.base)
	if status, body := readiness(t, r.base); status != 200 {
		t.Fatalf("/readyz: %d %v", status, body)
	}
	if err := os.RemoveAll(mediaDir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mediaDir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}

	if status, body := readiness(t, r.base); status != 503 || body["reason"] != "media store not writable" {
		t.Errorf("/readyz with an unwritable store: %d %v", status, body)
	}
	status, up, raw := upload(t, r.base, token, "a.png", bytes.NewReader(pngBytes(t)))
	if status != 503 || !strings.Contains(raw, `"code":"UNAVAILABLE"`) || strings.Contains(raw, dir) || up.ID != "" {
		t.Errorf("/upload to an unwritable store: %d %s", status, raw)
	}
	_, a := graphQL(t, r.base, token, `mutation { exportReport(input: {kind: STOCK, format: CSV}) { id } }`)
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != "UNAVAILABLE" || strings.Contains(a.Errors[0].Message, dir) {
		t.Errorf("exportReport to an unwritable store: %+v", a.Errors)
	}

	if err := os.Remove(mediaDir); err != nil {
		t.Fatal(err)
	}
	if status, body := readiness(t, r.base); status != 200 {
		t.Errorf("/readyz once the store is back: %d %v", status, body)
	}
	if status, _, raw := upload(t, r.base, token, "a.png", bytes.NewReader(pngBytes(t))); status != 201 {
		t.Errorf("/upload once the store is back: %d %s", status, raw)
	}
}
