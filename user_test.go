package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
)

// The operator's `wms user` commands, against a SQLite file.
func TestUserCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wms.db")
	env := map[string]string{"WMS_SQLITE_PATH": path, "WMS_LOG_LEVEL": "error"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	runUser := func(input string, args ...string) (int, string) {
		t.Helper()
		stdin = strings.NewReader(input)
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"user"}, args...), lookup, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := runUser("clerk-password\n", "create", "Chen", "clerk"); code != 0 {
		t.Fatalf("create: %d %s", code, out)
	}
	if code, out := runUser("short\n", "create", "li", "VIEWER"); code != 1 || !strings.Contains(out, "at least 8") {
		t.Errorf("short password: %d %s", code, out)
	}
	// An unknown role is refused before the password is asked for.
	if code, out := runUser("x\n", "create", "li", "BOSS"); code != 2 || strings.Contains(out, "password:") ||
		!strings.Contains(out, `unknown role "BOSS"`) {
		t.Errorf("bad role: %d %s", code, out)
	}
	if code, _ := runUser("", "frobnicate", "x"); code != 2 {
		t.Errorf("unknown user command: %d", code)
	}
	login := func(pw string) error {
		bdb, err := db.Open(context.Background(), db.Options{Driver: "sqlite", SQLitePath: path, MaxOpenConns: 2, Wait: time.Second, Log: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		defer bdb.Close()
		_, _, err = auth.NewService(db.NewStore(bdb), time.Hour, zerolog.Nop()).Login(context.Background(), "chen", pw)
		return err
	}
	if err := login("clerk-password"); err != nil {
		t.Fatalf("login after create: %v", err)
	}
	if code, out := runUser("new-clerk-password\n", "passwd", "chen"); code != 0 {
		t.Fatalf("passwd: %d %s", code, out)
	}
	if login("clerk-password") == nil || login("new-clerk-password") != nil {
		t.Error("passwd did not replace the password")
	}
	if code, out := runUser("", "disable", "CHEN"); code != 0 {
		t.Fatalf("disable: %d %s", code, out)
	}
	if login("new-clerk-password") == nil {
		t.Error("a disabled user signed in")
	}
	if code, _ := runUser("", "enable", "chen"); code != 0 || login("new-clerk-password") != nil {
		t.Error("enable did not let the user back in")
	}
}
