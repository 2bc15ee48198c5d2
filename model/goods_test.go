package model

import (
	"strings"
	"testing"
)

func TestCategoryName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"蔬菜 🥬", "蔬菜 🥬", true},
		{"  drinks  ", "drinks", true},
		{strings.Repeat("菜", 50), strings.Repeat("菜", 50), true}, // 50 characters, 150 bytes
		{strings.Repeat("菜", 51), "", false},
		{"", "", false},
		{"   ", "", false},
		{"a\x00b", "", false},
		{"line\nbreak", "", false},
		{"\xff\xfe", "", false},
	}
	for _, tt := range tests {
		got, err := CategoryName(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CategoryName(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && ErrorCode(err) != CodeInvalid {
			t.Errorf("CategoryName(%q) error code %s", tt.in, ErrorCode(err))
		}
	}
}

func TestFoldIsCaseInsensitiveBeyondASCII(t *testing.T) {
	pairs := [][2]string{{"Vegetables", "VEGETABLES"}, {"Äpfel", "äpfel"}, {"STRASSE", "straße"}, {"蔬菜", "蔬菜"}}
	for _, p := range pairs {
		if Fold(p[0]) != Fold(p[1]) {
			t.Errorf("Fold(%q) = %q, Fold(%q) = %q", p[0], Fold(p[0]), p[1], Fold(p[1]))
		}
	}
	if Fold("café") == Fold("cafe") {
		t.Error("accents must not fold away")
	}
}

func TestNewGoodsRules(t *testing.T) {
	str := func(s string) *string { return &s }
	qty := func(s string) *Quantity { q := MustQuantity(s); return &q }
	tests := []struct {
		name  string
		in    GoodsInput
		field string // the field of the expected BAD_USER_INPUT, or "" for none
	}{
		{"minimal", GoodsInput{Name: "土豆", CategoryID: 1}, ""},
		{"name 100 characters", GoodsInput{Name: strings.Repeat("豆", 100), CategoryID: 1}, ""},
		{"name 101 characters", GoodsInput{Name: strings.Repeat("豆", 101), CategoryID: 1}, "name"},
		{"empty name", GoodsInput{Name: " ", CategoryID: 1}, "name"},
		{"empty unit", GoodsInput{Name: "x", CategoryID: 1, Unit: str("")}, "unit"},
		{"long unit", GoodsInput{Name: "x", CategoryID: 1, Unit: str(strings.Repeat("k", 21))}, "unit"},
		{"long sku", GoodsInput{Name: "x", CategoryID: 1, SKU: str(strings.Repeat("s", 65))}, "sku"},
		{"negative threshold", GoodsInput{Name: "x", CategoryID: 1, LowStockThreshold: qty("-1")}, "lowStockThreshold"},
		{"zero threshold", GoodsInput{Name: "x", CategoryID: 1, LowStockThreshold: qty("0")}, ""},
		{"multi-line note", GoodsInput{Name: "x", CategoryID: 1, Note: str("keep cool\nuse first")}, ""},
		{"long note", GoodsInput{Name: "x", CategoryID: 1, Note: str(strings.Repeat("n", 1001))}, "note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGoods(tt.in)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if g.Unit == "" || g.NameKey != Fold(g.Name) {
					t.Fatalf("goods not filled in: %+v", g)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeInvalid || e.Field != tt.field {
				t.Fatalf("got %#v, want BAD_USER_INPUT on %s", err, tt.field)
			}
		})
	}
}

func TestGoodsDefaultsAndBlankOptionals(t *testing.T) {
	blank := "  "
	g, err := NewGoods(GoodsInput{Name: "Milk", CategoryID: 1, SKU: &blank, Barcode: &blank})
	if err != nil {
		t.Fatal(err)
	}
	if g.Unit != DefaultUnit || g.SKU != nil || g.Barcode != nil {
		t.Fatalf("got unit %q sku %v barcode %v", g.Unit, g.SKU, g.Barcode)
	}
}

func TestGoodsSearchTextCoversNameSKUAndBarcode(t *testing.T) {
	sku, code := "MILK-1L", "6901234567890"
	g, _ := NewGoods(GoodsInput{Name: "Whole Milk", CategoryID: 1, SKU: &sku, Barcode: &code})
	for _, part := range []string{"whole milk", "milk-1l", "6901234567890"} {
		if !strings.Contains(g.SearchText, part) {
			t.Errorf("search text %q lacks %q", g.SearchText, part)
		}
	}
	if err := g.Apply(GoodsUpdate{SKU: Change[string]{Set: true}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(g.SearchText, "milk-1l") || g.SKU != nil {
		t.Errorf("clearing the SKU left %q", g.SearchText)
	}
}

func TestPageArgs(t *testing.T) {
	n := func(i int) *int { return &i }
	s := "c"
	tests := []struct {
		args  PageArgs
		limit int
		skip  int
		field string
	}{
		{PageArgs{}, DefaultFirst, 0, ""},
		{PageArgs{First: n(5)}, 5, 0, ""},
		{PageArgs{First: n(0)}, 0, 0, ""},
		{PageArgs{First: n(500)}, MaxFirst, 0, ""},
		{PageArgs{First: n(-1)}, 0, 0, "first"},
		{PageArgs{Offset: n(40)}, DefaultFirst, 40, ""},
		{PageArgs{Offset: n(-1)}, DefaultFirst, 0, "offset"},
		{PageArgs{After: &s, Offset: n(3)}, DefaultFirst, 0, "offset"},
	}
	for _, tt := range tests {
		limit, err1 := tt.args.Limit()
		skip, err2 := tt.args.Skip()
		err := err1
		if err == nil {
			err = err2
		}
		if tt.field != "" {
			if e, ok := err.(*Error); !ok || e.Field != tt.field {
				t.Errorf("%+v: got %v, want an error on %s", tt.args, err, tt.field)
			}
			continue
		}
		if err != nil || limit != tt.limit || skip != tt.skip {
			t.Errorf("%+v: limit %d skip %d err %v", tt.args, limit, skip, err)
		}
	}
}
