package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"wms/media/s3test"
)

// A 50 MiB upload to S3 streams through the server: its resident memory
// grows by less than 32 MiB (one 5 MiB part of the multipart upload is held
// at a time, not the file). Measured on a real server process: the peak RSS
// (VmHWM, reset before the first upload) against the RSS before it.
func TestUpload50MiBToS3KeepsRSSGrowthUnder32MiB(t *testing.T) {
	o := s3test.Options(t)
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		t.Skip("no /proc/PID/clear_refs on this system: RSS test skipped")
	}
	bin := procBinary(t)
	addr := procFreeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "WMS_ADDR=" + addr, "WMS_LOG_LEVEL=warn", "WMS_PLAYGROUND=false",
		"WMS_SQLITE_PATH=" + t.TempDir() + "/wms.db", "WMS_ADMIN_PASSWORD=" + procPassword, "WMS_MAX_UPLOAD_BYTES=" + strconv.Itoa(64<<20),
		"WMS_MEDIA_STORE=s3", "WMS_S3_ENDPOINT=" + o.Endpoint, "WMS_S3_BUCKET=" + o.Bucket,
		"WMS_S3_ACCESS_KEY=" + o.AccessKey, "WMS_S3_SECRET_KEY=" + o.SecretKey}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready:\n%s", logs.String())
		}
	}
	token := procLogin(t, base)
	upload := func(size int64) (int, time.Duration) {
		t.Helper()
		pr, pw := io.Pipe()
		w := multipart.NewWriter(pw)
		go func() {
			part, _ := w.CreateFormFile("file", "big.png")
			_, _ = part.Write([]byte("\x89PNG\r\n\x1a\n"))
			_, err := io.CopyN(part, rand.Reader, size-8)
			if err == nil {
				err = w.Close()
			}
			pw.CloseWithError(err)
		}()
		req, _ := http.NewRequest(http.MethodPost, base+"/upload", pr)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m struct{ Size int64 }
		_ = json.NewDecoder(res.Body).Decode(&m)
		if res.StatusCode == http.StatusCreated && m.Size != size {
			t.Errorf("stored %d bytes of %d", m.Size, size)
		}
		return res.StatusCode, time.Since(start)
	}
	pid := cmd.Process.Pid
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
	before := procStatusKB(t, pid, "VmRSS")
	// A first upload (6 MiB: two parts) and then the 50 MiB one: the peak
	// covers both, from a server that had uploaded nothing.
	if code, _ := upload(6 << 20); code != http.StatusCreated {
		t.Fatalf("6 MiB upload: %d", code)
	}
	code, took := upload(50 << 20)
	if code != http.StatusCreated {
		t.Fatalf("50 MiB upload: %d", code)
	}
	peak := procStatusKB(t, pid, "VmHWM")
	growth := float64(peak-before) / 1024
	t.Logf("50 MiB upload to S3 in %v: RSS %.1f MiB before, peak %.1f MiB, growth %.1f MiB", took.Round(time.Millisecond),
		float64(before)/1024, float64(peak)/1024, growth)
	if growth >= 32 {
		t.Errorf("RSS grew by %.1f MiB during a 50 MiB upload; the limit is 32 MiB", growth)
	}
}

// procStatusKB reads a kB figure of /proc/PID/status.
func procStatusKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
