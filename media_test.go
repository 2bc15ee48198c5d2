package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// mediaServer starts wms on SQLite with a small upload limit and returns its
// base URL and an ADMIN token.
func mediaServer(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	m, base, _ := startMain(t, map[string]string{"WMS_SQLITE_PATH": filepath.Join(dir, "wms.db"),
		"WMS_MEDIA_DIR": filepath.Join(dir, "media"), "WMS_MAX_UPLOAD_BYTES": "1048576"})
	waitReady(t, m, 5e9)
	code, body := postQuery(t, base, `mutation { login(username: "admin", password: "startup-password") { token } }`)
	var out struct {
		Data struct{ Login struct{ Token string } }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	return base, out.Data.Login.Token
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(3, 3, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type uploaded struct {
	ID, Filename, ContentType, SHA256, URL string
	Size                                   int64
}

// upload posts a file to /upload the way curl -F file=@name does.
func upload(t *testing.T, base, token, name string, content io.Reader) (int, uploaded, string) {
	t.Helper()
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		part, err := w.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(part, content)
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/upload", pr)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m uploaded
	_ = json.Unmarshal(raw, &m)
	return res.StatusCode, m, string(raw)
}

func download(t *testing.T, url, token string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// unsigned is a media URL without its signature.
func unsigned(url string) string {
	path, _, _ := strings.Cut(url, "?")
	return path
}

func TestUploadAndDownload(t *testing.T) {
	base, token := mediaServer(t)
	img := pngBytes(t)
	// A PNG named .jpg is a PNG: the bytes decide.
	code, m, raw := upload(t, base, token, "../../etc/发票 1.jpg", bytes.NewReader(img))
	if code != http.StatusCreated || m.ContentType != "image/png" || m.Size != int64(len(img)) || m.Filename != "发票 1.jpg" {
		t.Fatalf("upload: %d %s", code, raw)
	}
	res, body := download(t, base+m.URL, token, nil)
	if res.StatusCode != 200 || !bytes.Equal(body, img) {
		t.Fatalf("download: %d, %d bytes", res.StatusCode, len(body))
	}
	for h, want := range map[string]string{
		"Content-Type": "image/png", "X-Content-Type-Options": "nosniff", "ETag": `"` + m.SHA256 + `"`,
		"Content-Disposition": `inline; filename="__ 1.jpg"; filename*=UTF-8''%E5%8F%91%E7%A5%A8%201.jpg`,
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(res.Header.Get("Cache-Control"), "max-age") || res.Header.Get("Last-Modified") == "" {
		t.Errorf("cache headers %v", res.Header)
	}
	// Conditional and partial requests.
	if res, _ := download(t, base+m.URL, token, map[string]string{"If-None-Match": `"` + m.SHA256 + `"`}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res.StatusCode)
	}
	res, part := download(t, base+m.URL, token, map[string]string{"Range": "bytes=1-4"})
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(part, img[1:5]) || res.Header.Get("Content-Range") != fmt.Sprintf("bytes 1-4/%d", len(img)) {
		t.Errorf("Range: %d %q %s", res.StatusCode, part, res.Header.Get("Content-Range"))
	}
	// A PDF is an attachment, not shown inline.
	code, pdf, raw := upload(t, base, token, "invoice.pdf", strings.NewReader("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"))
	if code != 201 || pdf.ContentType != "application/pdf" {
		t.Fatalf("pdf: %d %s", code, raw)
	}
	if res, _ := download(t, base+pdf.URL, token, nil); !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("pdf disposition %q", res.Header.Get("Content-Disposition"))
	}
	// Identical bytes share storage but get their own record.
	if _, again, _ := upload(t, base, token, "copy.png", bytes.NewReader(img)); again.ID == m.ID || again.SHA256 != m.SHA256 {
		t.Errorf("second upload %+v", again)
	}
	// Reading needs a token; uploading needs CLERK.
	if res, _ := download(t, base+unsigned(m.URL), "", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", res.StatusCode)
	}
	if code, _, _ := upload(t, base, "", "x.png", bytes.NewReader(img)); code != http.StatusUnauthorized {
		t.Errorf("anonymous upload: %d", code)
	}
}

func TestUploadsAreCheckedAndCapped(t *testing.T) {
	base, token := mediaServer(t)
	// An executable named .png is refused, whatever its name says.
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 600)...)
	if code, _, raw := upload(t, base, token, "cat.png", bytes.NewReader(elf)); code != http.StatusUnsupportedMediaType || !strings.Contains(raw, "not accepted") {
		t.Errorf("executable: %d %s", code, raw)
	}
	if code, _, raw := upload(t, base, token, "page.png", strings.NewReader("<html><script>alert(1)</script></html>")); code != http.StatusUnsupportedMediaType {
		t.Errorf("html: %d %s", code, raw)
	}
	// An upload far over the limit is cut off at the limit, not read whole.
	src := &countingReader{r: io.MultiReader(bytes.NewReader(pngBytes(t)), zeros{}), max: 64 << 20}
	code, _, raw := upload(t, base, token, "huge.png", src)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(raw, "larger than") {
		t.Errorf("oversize: %d %s", code, raw)
	}
	if n := src.n.Load(); n > 8<<20 {
		t.Errorf("the server read %d bytes of a 64 MiB upload over a 1 MiB limit", n)
	}
	if code, _, raw := upload(t, base, token, "empty.png", strings.NewReader("")); code != http.StatusBadRequest {
		t.Errorf("empty: %d %s", code, raw)
	}
}

func TestMediaPathsReachNothingElse(t *testing.T) {
	base, token := mediaServer(t)
	_, m, _ := upload(t, base, token, "a.png", bytes.NewReader(pngBytes(t)))
	// Only the id is looked up: the real id serves its own file whatever
	// name follows; anything else is a 404 (paths with .. are cleaned by the
	// router first, and end outside /media).
	for _, c := range []struct {
		path string
		want int
	}{
		{"/media/999/a.png", 404}, {"/media/0/a.png", 404}, {"/media/abc/a.png", 404}, {"/media/-1/a.png", 404},
		{"/media/../../etc/passwd", 404}, {"/media/%2e%2e/%2e%2e/etc/passwd", 404}, {"/media//etc/passwd", 404},
		{"/media/" + m.ID + "/../../wms.db", 404}, {"/media/" + m.SHA256[:2] + "/" + m.SHA256, 404},
		{"/media/" + m.ID + "/..%2F..%2Fwms.db", 200}, {"/media/" + m.ID + "/another-name.txt", 200},
	} {
		res, body := download(t, base+c.path, token, nil)
		switch {
		case bytes.Contains(body, []byte("SQLite format")) || bytes.Contains(body, []byte("root:")):
			t.Errorf("%s served a file outside the media", c.path)
		case res.StatusCode != c.want:
			t.Errorf("%s: %d, want %d: %.200s", c.path, res.StatusCode, c.want, body)
		case c.want == 200 && !bytes.Equal(body, pngBytes(t)):
			t.Errorf("%s: 200 with %d bytes that are not the upload", c.path, len(body))
		}
	}
}

func TestUploadMediaThroughGraphQL(t *testing.T) {
	base, token := mediaServer(t)
	send := func(preflight bool) (int, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("operations", `{"query": "mutation($f: Upload!) { uploadMedia(file: $f) { id contentType size url } }", "variables": {"f": null}}`)
		_ = w.WriteField("map", `{"0": ["variables.f"]}`)
		part, _ := w.CreateFormFile("0", "shelf.jpg")
		_, _ = part.Write(pngBytes(t))
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, base+"/query", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		if preflight {
			req.Header.Set("Apollo-Require-Preflight", "true")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(raw)
	}
	if code, raw := send(false); code != http.StatusBadRequest || !strings.Contains(raw, "Apollo-Require-Preflight") {
		t.Errorf("without preflight: %d %s", code, raw)
	}
	code, raw := send(true)
	if code != 200 || !strings.Contains(raw, `"contentType":"image/png"`) {
		t.Fatalf("uploadMedia: %d %s", code, raw)
	}
	var out struct {
		Data struct{ UploadMedia struct{ ID string } }
	}
	_ = json.Unmarshal([]byte(raw), &out)
	// Attach it to goods and to a stock-in; read it back through both.
	q := func(doc string) string {
		t.Helper()
		c, body := graphQLAs(t, base, token, doc)
		if c != 200 || strings.Contains(body, `"errors"`) {
			t.Fatalf("%s: %d %s", doc, c, body)
		}
		return body
	}
	id := out.Data.UploadMedia.ID
	if body := q(`{ media(id: "` + id + `") { filename createdBy { username } } }`); !strings.Contains(body, `"createdBy":{"username":"admin"}`) {
		t.Errorf("media createdBy: %s", body)
	}
	q(`mutation { createCategory(input: {name: "干货"}) { id } }`)
	body := q(`mutation { createGoods(input: {name: "香菇", categoryId: "1", imageId: "` + id + `"}) { id image { id contentType url } } }`)
	if !strings.Contains(body, `"image":{"id":"`+id+`"`) {
		t.Errorf("goods image: %s", body)
	}
	body = q(`mutation { stockIn(input: {type: PURCHASE, attachmentIds: ["` + id + `"], lines: [{goodsId: "1", quantity: 1, unitCost: 2}]}) { attachments { id filename } } }`)
	if !strings.Contains(body, `"attachments":[{"id":"`+id+`","filename":"shelf.jpg"}]`) {
		t.Errorf("stock-in attachments: %s", body)
	}
	if c, body := graphQLAs(t, base, token, `mutation { createGoods(input: {name: "x", categoryId: "1", imageId: "999"}) { id } }`); c != 200 || !strings.Contains(body, `"field":"imageId"`) {
		t.Errorf("unknown image: %s", body)
	}
}

func graphQLAs(t *testing.T, base, token, doc string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": doc})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// countingReader counts what was read of it, up to max.
// The upload goroutine may still be reading when the test looks, so the
// count is atomic.
type countingReader struct {
	r   io.Reader
	n   atomic.Int64
	max int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	read := c.n.Load()
	if read >= c.max {
		return 0, io.EOF
	}
	n, err := c.r.Read(p[:min(int64(len(p)), c.max-read)])
	c.n.Add(int64(n))
	return n, err
}
