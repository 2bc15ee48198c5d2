package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/xuri/excelize/v2"

	"wms/model"
)

// sheet writes a report row by row, as the rows come.
type sheet interface {
	header(cols []column) error
	row(vals []any) error
	// finish writes what remains to w.
	finish(w io.Writer) error
}

// csvSheet writes UTF-8 with a byte order mark, so Excel opens Chinese text
// correctly; numbers are written exactly as the API writes them.
type csvSheet struct {
	w      *csv.Writer
	locale model.Locale
}

func newCSV(w io.Writer, l model.Locale) (*csvSheet, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	return &csvSheet{w: csv.NewWriter(w), locale: l}, nil
}

func (s *csvSheet) header(cols []column) error {
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.header(s.locale)
	}
	return s.w.Write(rec)
}

func (s *csvSheet) row(vals []any) error {
	rec := make([]string, len(vals))
	for i, v := range vals {
		rec[i] = csvValue(v)
	}
	return s.w.Write(rec)
}

func csvValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case *model.UnitCost: // an average cost: none with nothing on hand
		if v == nil {
			return ""
		}
		return v.String()
	case string:
		return v
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

func (s *csvSheet) finish(io.Writer) error {
	s.w.Flush()
	return s.w.Error()
}

// xlsxSheet writes with excelize's StreamWriter, which keeps rows on disk,
// not in memory, as they are written. Cells are typed: quantities, costs and
// money are numbers with their number format, times are dates.
type xlsxSheet struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	locale model.Locale
	kinds  []cellKind
	styles map[cellKind]int
	n      int
}

func newXLSX(name string, l model.Locale) (*xlsxSheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	s := &xlsxSheet{f: f, sw: sw, locale: l, styles: map[cellKind]int{}}
	for kind, format := range map[cellKind]string{
		quantity: "#,##0.###", unitCost: "#,##0.00##", money: "#,##0.00", timestamp: "yyyy-mm-dd hh:mm:ss", integer: "0",
	} {
		fmtCode := format
		if s.styles[kind], err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtCode}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *xlsxSheet) header(cols []column) error {
	style, err := s.f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
		Border:    []excelize.Border{{Type: "bottom", Color: "999999", Style: 1}},
	})
	if err != nil {
		return err
	}
	cells := make([]any, len(cols))
	s.kinds = make([]cellKind, len(cols))
	for i, c := range cols {
		cells[i] = excelize.Cell{StyleID: style, Value: c.header(s.locale)}
		s.kinds[i] = c.kind
		if err := s.sw.SetColWidth(i+1, i+1, c.width()); err != nil {
			return err
		}
	}
	// The header row stays in view while scrolling.
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return s.write(cells)
}

func (s *xlsxSheet) write(cells []any) error {
	s.n++
	cell, err := excelize.CoordinatesToCellName(1, s.n)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, cells)
}

func (s *xlsxSheet) row(vals []any) error {
	cells := make([]any, len(vals))
	for i, v := range vals {
		cells[i] = s.cell(s.kinds[i], v)
	}
	return s.write(cells)
}

// number turns an exact fixed-point count into the number a spreadsheet
// stores. A spreadsheet cell is a binary double; the division is correctly
// rounded, so for up to 15 significant digits (every quantity, cost and
// amount wms accepts) the cell reads back as exactly the same decimal.
func number(n int64, scale float64) float64 { return float64(n) / scale }

func (s *xlsxSheet) cell(kind cellKind, v any) any {
	var value any
	switch v := v.(type) {
	case nil:
		return nil
	case model.Quantity:
		value = number(int64(v), 1e3)
	case model.UnitCost:
		value = number(int64(v), 1e4)
	case *model.UnitCost:
		if v == nil {
			return nil
		}
		value = number(int64(*v), 1e4)
	case model.Money:
		value = number(int64(v), 1e2)
	case time.Time:
		// The cell shows seconds; 9999-12-31T23:59:59.999999 kept whole
		// would show as the year 10000.
		value = v.UTC().Truncate(time.Second)
	default:
		value = v
	}
	if style, ok := s.styles[kind]; ok {
		return excelize.Cell{StyleID: style, Value: value}
	}
	return value
}

func (s *xlsxSheet) finish(w io.Writer) error {
	if err := s.sw.Flush(); err != nil {
		return err
	}
	defer s.f.Close()
	last, err := excelize.CoordinatesToCellName(max(len(s.kinds), 1), max(s.n, 1))
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "wms-export-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := s.f.WriteTo(tmp)
	if err != nil {
		return err
	}
	return withDimension(tmp, size, w, "xl/worksheets/sheet1.xml", "A1:"+last)
}
