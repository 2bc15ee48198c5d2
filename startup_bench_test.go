package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartup starts the real binary on a fresh SQLite file (first
// start: migrations and the first ADMIN, whose password is hashed) and
// reports how long until /readyz answers 200 and the resident memory once
// idle:
//
//	go test -run '^$' -bench Startup -benchtime 3x
func BenchmarkStartup(b *testing.B) {
	t := &testing.T{}
	bin := procBinary(t)
	if t.Failed() {
		b.Fatal("build failed")
	}
	for b.Loop() {
		dir := b.TempDir()
		addr := procFreeAddr(t)
		cmd := exec.Command(bin)
		cmd.Env = []string{"WMS_ADDR=" + addr, "WMS_SQLITE_PATH=" + filepath.Join(dir, "wms.db"),
			"WMS_MEDIA_DIR=" + filepath.Join(dir, "media"), "WMS_ADMIN_PASSWORD=bench-password", "WMS_LOG_LEVEL=warn"}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			res, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				b.Fatal("not ready in 10 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		ready := time.Since(start)
		time.Sleep(3 * time.Second)
		rss := processRSS(cmd.Process.Pid)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		b.ReportMetric(float64(ready.Milliseconds()), "ready-ms")
		b.ReportMetric(float64(rss)/1024, "idle-rss-MB")
	}
}

// processRSS reads a process's resident set in KiB from /proc.
func processRSS(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
