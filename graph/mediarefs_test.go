package graph_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// Goods images are uploaded images and attachments uploaded images or PDFs:
// a generated report (which expires and is cleaned up) or a PDF as an image
// is BAD_USER_INPUT on the field.
func TestGoodsImagesAndAttachmentsMustBeUploads(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		c := newClient(t, s)
		record := func(kind model.MediaKind, contentType string) string {
			m := &model.Media{Kind: kind, Filename: "f", ContentType: contentType, Size: 1,
				SHA256: "00", Key: "00/00", CreatedAt: time.Now().UTC().Truncate(time.Second)}
			if kind == model.MediaExport {
				exp := m.CreatedAt.Add(time.Hour)
				m.ExpiresAt = &exp
			}
			if err := s.CreateMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(m.ID, 10)
		}
		photo := record(model.MediaUpload, "image/png")
		scan := record(model.MediaUpload, "application/pdf")
		report := record(model.MediaExport, "text/csv")
		sheet := record(model.MediaExport, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

		var cat struct{ CreateCategory struct{ ID string } }
		c.ok(`mutation { createCategory(input: {name: "c"}) { id } }`, nil, &cat)
		create := `mutation($img: ID) { createGoods(input: {name: "g", categoryId: "` + cat.CreateCategory.ID + `", imageId: $img}) { id image { id } } }`
		for _, bad := range []string{report, sheet, scan} {
			e := c.fail(create, map[string]any{"img": bad}, "BAD_USER_INPUT")
			if e.Extensions["field"] != "imageId" {
				t.Errorf("image %s: field %v (%s)", bad, e.Extensions["field"], e.Message)
			}
		}
		var g struct{ CreateGoods struct{ ID string } }
		c.ok(create, map[string]any{"img": photo}, &g)
		update := `mutation($id: ID!, $img: ID) { updateGoods(input: {id: $id, imageId: $img}) { id } }`
		if e := c.fail(update, map[string]any{"id": g.CreateGoods.ID, "img": report}, "BAD_USER_INPUT"); e.Extensions["field"] != "imageId" {
			t.Errorf("updateGoods with a report: %+v", e)
		}

		stockIn := `mutation($att: [ID!]) { stockIn(input: {type: PURCHASE, attachmentIds: $att,
			lines: [{goodsId: "` + g.CreateGoods.ID + `", quantity: "1", unitCost: "1"}]}) { attachments { id } } }`
		for _, bad := range [][]string{{report}, {photo, sheet}} {
			e := c.fail(stockIn, map[string]any{"att": bad}, "BAD_USER_INPUT")
			if e.Extensions["field"] != "attachmentIds" {
				t.Errorf("attachments %v: field %v (%s)", bad, e.Extensions["field"], e.Message)
			}
		}
		var in struct {
			StockIn struct{ Attachments []struct{ ID string } }
		}
		c.ok(stockIn, map[string]any{"att": []string{photo, scan}}, &in)
		if fmt.Sprint(in.StockIn.Attachments) != fmt.Sprintf("[{%s} {%s}]", photo, scan) {
			t.Errorf("attachments %v", in.StockIn.Attachments)
		}
		var n struct{ StockIns struct{ TotalCount int } }
		c.ok(`{ stockIns { totalCount } }`, nil, &n)
		if n.StockIns.TotalCount != 1 {
			t.Errorf("%d stock-ins: a refused one was written", n.StockIns.TotalCount)
		}
	})
}
