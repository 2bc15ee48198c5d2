package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// exportReport through the API: the Media it answers downloads as the file,
// named after the kind and the day, as an attachment.
func TestExportReportThroughTheAPI(t *testing.T) {
	base, token := mediaServer(t)
	for _, doc := range []string{
		`mutation { createCategory(input: {name: "蔬菜"}) { id } }`,
		`mutation { createGoods(input: {name: "土豆", categoryId: "1", unit: "kg"}) { id } }`,
		`mutation { stockIn(input: {type: PURCHASE, lines: [{goodsId: "1", quantity: "10", unitCost: "2.50"}]}) { id } }`,
		`mutation { stockOut(input: {reason: CONSUME, lines: [{goodsId: "1", quantity: "3"}]}) { id } }`,
	} {
		if c, body := graphQLAs(t, base, token, doc); c != 200 || strings.Contains(body, "errors") {
			t.Fatalf("%s: %s", doc, body)
		}
	}
	c, body := graphQLAs(t, base, token, `mutation { exportReport(input: {kind: LEDGER, format: XLSX, locale: ZH}) { filename contentType url expiresAt } }`)
	var out struct {
		Data struct {
			ExportReport struct{ Filename, ContentType, URL, ExpiresAt string }
		}
	}
	if err := json.Unmarshal([]byte(body), &out); c != 200 || err != nil || out.Data.ExportReport.URL == "" {
		t.Fatalf("exportReport: %d %s", c, body)
	}
	m := out.Data.ExportReport
	if !strings.HasPrefix(m.Filename, "ledger-") || !strings.HasSuffix(m.Filename, ".xlsx") || m.ExpiresAt == "" {
		t.Errorf("media %+v", m)
	}
	res, b := download(t, base+m.URL, token, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %v", res.StatusCode, res.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("明细")
	if len(rows) != 3 || rows[0][0] != "时间" || rows[1][2] != "出库" || rows[2][2] != "入库" {
		t.Errorf("ledger report rows %q", rows)
	}
	if c, body := graphQLAs(t, base, token, `mutation { exportReport(input: {kind: STOCK, format: CSV, from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z"}) { url } }`); c != 200 || !strings.Contains(body, `"field":"to"`) {
		t.Errorf("bad range: %s", body)
	}
}
