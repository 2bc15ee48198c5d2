package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// browserPath finds Chromium (Debian's package, which .ci/run installs).
// Without it the test is skipped, unless WMS_E2E=required, as in CI.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed (apt-get install chromium): browser test skipped"
	if os.Getenv("WMS_E2E") == "required" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifactDir is where tests keep what a person may want to look at after a
// run (WMS_TEST_ARTIFACTS, else test/output); it is not committed.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("WMS_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("test", "output")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// TestBrowserAppOnAnotherOrigin is what an Angular or Apollo app in a
// browser does: headless Chromium loads a page from another origin (its own
// server), which signs in, queries goods through fetch with CORS, and shows a
// goods image from its signed URL in an <img>. The page reports back what it
// saw; the screenshot is kept as test/output/browser-app.png.
func TestBrowserAppOnAnotherOrigin(t *testing.T) {
	chromium := browserPath(t)
	page, err := os.ReadFile("test/browser/app.html")
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan map[string]any, 1)
	app := http.NewServeMux()
	app.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	app.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		var rep map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &rep); err != nil {
			rep = map[string]any{"ok": false, "error": "unreadable report: " + string(b)}
		}
		select {
		case reports <- rep:
		default:
		}
	})
	appSrv := httptest.NewServer(app)
	t.Cleanup(appSrv.Close)

	dir := t.TempDir()
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "wms.db"),
		"WMS_MEDIA_DIR": filepath.Join(dir, "media"), "WMS_CORS_ORIGINS": appSrv.URL})
	waitReady(t, m, 5e9)
	token := loginToken(t, base)
	code, up, raw := upload(t, base, token, "tomatoes.png", bytes.NewReader(bannerPNG(t)))
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, raw)
	}
	gql(t, base, token, `mutation { createCategory(input: {name: "Vegetables"}) { id } }`)
	if body := gql(t, base, token, `mutation { createGoods(input: {name: "Tomatoes", categoryId: "1", unit: "kg", imageId: "`+up.ID+`"}) { id } }`); !bytes.Contains([]byte(body), []byte(`"id"`)) {
		t.Fatalf("createGoods: %s", body)
	}

	shot := filepath.Join(artifactDir(t), "browser-app.png")
	_ = os.Remove(shot)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--user-data-dir="+t.TempDir(),
		"--hide-scrollbars", "--window-size=640,480", "--virtual-time-budget=15000",
		"--screenshot="+shot, appSrv.URL+"/?api="+url.QueryEscape(base))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	var rep map[string]any
	select {
	case rep = <-reports:
	default:
		t.Fatalf("the page reported nothing; chromium said:\n%s", out)
	}
	if rep["ok"] != true || rep["goods"] != "Tomatoes" || rep["width"] != float64(160) || rep["height"] != float64(100) {
		t.Fatalf("the page reported %v", rep)
	}
	info, err := os.Stat(shot)
	if err != nil || info.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	f, _ := os.Open(shot)
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	// The goods image is drawn: its red band shows in the screenshot.
	if !hasColor(img, color.RGBA{220, 40, 40, 255}) {
		t.Errorf("the screenshot %s does not show the goods image", shot)
	}
	t.Logf("the page saw %v; screenshot: %s", rep, shot)
}

// bannerPNG is a 160×100 image of three bands, red, green and blue.
func bannerPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 160, 100))
	for x := range 160 {
		for y := range 100 {
			c := color.RGBA{220, 40, 40, 255}
			if x >= 53 {
				c = color.RGBA{40, 160, 60, 255}
			}
			if x >= 107 {
				c = color.RGBA{40, 80, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hasColor reports whether img has a run of pixels close to c.
func hasColor(img image.Image, c color.RGBA) bool {
	near := func(a, b uint32) bool { d := int(a>>8) - int(b); return d > -12 && d < 12 }
	run := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near(r, uint32(c.R)) && near(g, uint32(c.G)) && near(b, uint32(c.B)) {
				if run++; run > 100 {
					return true
				}
			}
		}
	}
	return false
}
