package main

import (
	"bytes"
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
// it has been idle for 3 s:
//
//	go test -run '^$' -bench Startup -benchtime 3x
//
// The binary is built once, into the benchmark's temporary folder (removed
// at the end, as is each start's data folder); a failed build or a server
// that exits fails the benchmark with its output.
func BenchmarkStartup(b *testing.B) {
	bin := procBinary(b)
	for b.Loop() {
		dir := b.TempDir()
		addr := procFreeAddr(b)
		cmd := exec.Command(bin)
		cmd.Env = []string{"WMS_ADDR=" + addr, "WMS_SQLITE_PATH=" + filepath.Join(dir, "wms.db"),
			"WMS_MEDIA_DIR=" + filepath.Join(dir, "media"), "WMS_ADMIN_PASSWORD=bench-password", "WMS_LOG_LEVEL=warn"}
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		stop := func() {
			_ = cmd.Process.Signal(os.Interrupt)
			<-exited
		}
		for ready := false; !ready; {
			select {
			case err := <-exited:
				b.Fatalf("the server exited before it was ready: %v\n%s", err, logs.String())
			default:
			}
			if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
				res.Body.Close()
				ready = res.StatusCode == http.StatusOK
			}
			if !ready && time.Since(start) > 30*time.Second {
				stop()
				b.Fatalf("not ready in 30 s:\n%s", logs.String())
			}
			if !ready {
				time.Sleep(2 * time.Millisecond)
			}
		}
		ready := time.Since(start)
		b.StopTimer()
		time.Sleep(3 * time.Second) // idle, as after start-up on a quiet server
		rss := processRSS(cmd.Process.Pid)
		stop()
		b.StartTimer()
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
