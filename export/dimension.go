package export

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
)

// A worksheet's <dimension ref="A1:H1001"/> tells a reader the range the
// sheet uses, and some readers trust it: openpyxl in read-only mode (which
// pandas-style scripts use) reads exactly that range. excelize's
// StreamWriter writes the element before the first row, when the range is
// not yet known, as "A1". withDimension copies the finished workbook from
// src to w with the sheet's dimension set to ref: every other part is copied
// as it is compressed, and the sheet is streamed through, so memory stays
// bounded whatever the row count.
func withDimension(src io.ReaderAt, size int64, w io.Writer, sheet, ref string) error {
	zr, err := zip.NewReader(src, size)
	if err != nil {
		return fmt.Errorf("reopen workbook: %w", err)
	}
	zw := zip.NewWriter(w)
	found := false
	for _, f := range zr.File {
		if f.Name != sheet {
			if err := zw.Copy(f); err != nil {
				return err
			}
			continue
		}
		found = true
		if err := copyWithDimension(zw, f, ref); err != nil {
			return fmt.Errorf("set the dimension of %s: %w", sheet, err)
		}
	}
	if !found {
		return fmt.Errorf("workbook has no %s", sheet)
	}
	return zw.Close()
}

// dimensionHead bounds how far into the sheet the dimension element is
// looked for: it comes right after the sheet's properties.
const dimensionHead = 64 << 10

func copyWithDimension(zw *zip.Writer, f *zip.File, ref string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	head := make([]byte, dimensionHead)
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	head = head[:n]
	start := bytes.Index(head, []byte("<dimension "))
	if start < 0 {
		return fmt.Errorf("no <dimension> in the first %d bytes", dimensionHead)
	}
	// <dimension ref="A1"/> or <dimension ref="A1"></dimension>
	end := bytes.IndexByte(head[start:], '>')
	if end < 0 {
		return fmt.Errorf("unterminated <dimension>")
	}
	end += start + 1
	if head[end-2] != '/' {
		closing := bytes.Index(head[end:], []byte("</dimension>"))
		if closing < 0 {
			return fmt.Errorf("unterminated <dimension>")
		}
		end += closing + len("</dimension>")
	}
	hdr := f.FileHeader
	hdr.CompressedSize64, hdr.UncompressedSize64, hdr.CRC32 = 0, 0, 0
	out, err := zw.CreateHeader(&hdr)
	if err != nil {
		return err
	}
	if _, err := out.Write(head[:start]); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, `<dimension ref="%s"/>`, ref); err != nil {
		return err
	}
	if _, err := out.Write(head[end:]); err != nil {
		return err
	}
	_, err = io.Copy(out, rc)
	return err
}
