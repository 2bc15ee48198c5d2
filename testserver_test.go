// Helpers that run the whole program in-process for the HTTP tests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// startMain runs the program in-process with the given settings.
func startMain(t *testing.T, settings map[string]string) (*Main, string, *logSink) {
	t.Helper()
	all := map[string]string{"WMS_ADDR": "127.0.0.1:0", "WMS_ADMIN_PASSWORD": "startup-password"}
	for k, v := range settings {
		all[k] = v
	}
	cfg, err := LoadConfig(env(all))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logSink{}
	m := NewMain(cfg, zerolog.New(logs))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m, "http://" + m.Addr(), logs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func postQuery(t *testing.T, base, query string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	res, err := http.Post(base+"/query", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func waitReady(t *testing.T, m *Main, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !m.Ready() {
		select {
		case err := <-m.Failed():
			t.Fatalf("start-up failed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within %v", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
