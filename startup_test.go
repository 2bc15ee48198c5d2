package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"wms/db/dbtest"
)

// A database error that waiting cannot heal stops start-up at once, with
// the database's own words, instead of being retried for WMS_DB_WAIT (here a
// minute): on SQLite a file that cannot be a database, on MySQL a wrong
// password and an unknown database.
func TestUnhealableDatabaseErrorsFailAtOnce(t *testing.T) {
	dir := t.TempDir()
	notADB := filepath.Join(dir, "wms.db")
	if err := os.WriteFile(notADB, []byte(strings.Repeat("this is not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"SQLite file that is no database", map[string]string{"WMS_SQLITE_PATH": notADB}, "not a database"},
	}
	if os.Getenv(dbtest.DSNVar) != "" {
		real, err := mysql.ParseDSN(dbtest.FreshMySQL(t))
		if err != nil {
			t.Fatal(err)
		}
		host, port, _ := strings.Cut(real.Addr, ":")
		mysqlVars := func(user, password, database string) map[string]string {
			return map[string]string{"WMS_DB": "mysql", "WMS_MYSQL_HOST": host, "WMS_MYSQL_PORT": port,
				"WMS_MYSQL_USER": user, "WMS_MYSQL_PASSWORD": password, "WMS_MYSQL_DATABASE": database}
		}
		cases = append(cases,
			struct {
				name string
				vars map[string]string
				want string
			}{"MySQL wrong password", mysqlVars(real.User, "certainly-not-the-password", real.DBName), "Access denied"},
			struct {
				name string
				vars map[string]string
				want string
			}{"MySQL unknown database", mysqlVars(real.User, real.Passwd, real.DBName+"_nowhere"), "Unknown database"},
		)
	} else if os.Getenv("WMS_TEST_NO_SKIPS") != "" {
		t.Fatalf("%s is not set: the MySQL cases cannot run", dbtest.DSNVar)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.vars["WMS_DB_WAIT"] = "60s"
			if tc.vars["WMS_SQLITE_PATH"] == "" {
				tc.vars["WMS_SQLITE_PATH"] = filepath.Join(t.TempDir(), "wms.db")
			}
			tc.vars["WMS_MEDIA_DIR"] = filepath.Join(t.TempDir(), "media")
			start := time.Now()
			m, _, logs := startMain(t, tc.vars)
			select {
			case err := <-m.Failed():
				if took := time.Since(start); took > 10*time.Second {
					t.Errorf("failed after %v: it was retried", took)
				}
				if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "waiting will not change that") {
					t.Errorf("start-up error %q, want the database's words (%q) and that waiting will not help", err, tc.want)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("still starting after 15 s; logs:\n%s", logs.String())
			}
		})
	}
}
