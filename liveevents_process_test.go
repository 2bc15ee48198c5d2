package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"wms/db/dbtest"
	"wms/events"
)

// A server killed with kill -9 after a document committed but before its
// webhook delivery went out: the next server on the database delivers it,
// signed. On SQLite and on MariaDB.
func TestWebhookDeliveredAfterKill9(t *testing.T) {
	bin := procBinary(t)
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		t.Run(name, func(t *testing.T) {
			var dbEnv []string
			if name == dbtest.MySQL {
				dbEnv = []string{"WMS_DB=mysql", "WMS_MYSQL_DSN=" + dbtest.FreshMySQL(t)}
			} else {
				dbEnv = []string{"WMS_SQLITE_PATH=" + filepath.Join(t.TempDir(), "wms.db")}
			}
			var mu sync.Mutex
			var got []map[string]any
			var secret string
			bad := 0
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				if events.Sign(secret, r.Header.Get("Wms-Timestamp"), body) != r.Header.Get("Wms-Signature") {
					bad++
				}
				var m map[string]any
				_ = json.Unmarshal(body, &m)
				got = append(got, m)
			}))
			defer recv.Close()
			env := append([]string{"WMS_ADMIN_PASSWORD=" + procPassword, "WMS_WEBHOOK_ALLOW_PRIVATE=true",
				"WMS_MEDIA_DIR=" + t.TempDir()}, dbEnv...)
			// The first server reads the outbox only once, at start: it is
			// killed before it would deliver anything.
			base, first := procLaunch(t, bin, os.Kill, append(env, "WMS_EVENT_POLL=1h")...)
			token := procLogin(t, base)
			q := func(doc string, vars map[string]any) json.RawMessage {
				t.Helper()
				a, err := procQuery(context.Background(), base, token, doc, vars)
				if err != nil || len(a.Errors) > 0 {
					t.Fatalf("%s: %v %+v", doc, err, a.Errors)
				}
				for _, v := range a.Data {
					return v
				}
				return nil
			}
			var hook struct{ Secret string }
			_ = json.Unmarshal(q(`mutation($u: String!) { createWebhook(input: {url: $u, events: [DOCUMENT_CREATED]}) { secret } }`,
				map[string]any{"u": recv.URL}), &hook)
			mu.Lock()
			secret = hook.Secret
			mu.Unlock()
			var cat, goods struct{ ID string }
			_ = json.Unmarshal(q(`mutation { createCategory(input: {name: "Dry"}) { id } }`, nil), &cat)
			_ = json.Unmarshal(q(`mutation($c: ID!) { createGoods(input: {name: "Rice", categoryId: $c}) { id } }`, map[string]any{"c": cat.ID}), &goods)
			var si struct{ Code string }
			_ = json.Unmarshal(q(`mutation($g: ID!) { stockIn(input: {type: PURCHASE, lines: [{goodsId: $g, quantity: "5", unitCost: "1"}]}) { code } }`,
				map[string]any{"g": goods.ID}), &si)
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = first.Wait()
			mu.Lock()
			if len(got) != 0 {
				t.Fatalf("delivered before the kill: %v", got)
			}
			mu.Unlock()
			procLaunch(t, bin, os.Kill, env...)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if n > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("nothing delivered within 10 s of the restart")
				}
			}
			mu.Lock()
			defer mu.Unlock()
			payload, _ := json.Marshal(got[0]["payload"])
			if bad != 0 || got[0]["type"] != "DOCUMENT_CREATED" || !strings.Contains(string(payload), si.Code) {
				t.Errorf("delivered %v (%d bad signatures), want the DOCUMENT_CREATED of %s", got, bad, si.Code)
			}
		})
	}
}
