package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in   string
		want Quantity
		err  string // a substring of the error, or "" for none
	}{
		{"2.125", 2125, ""},
		{"0", 0, ""},
		{"12", 12000, ""},
		{"3.5", 3500, ""},
		{" 7.25 ", 7250, ""},
		{"+1", 1000, ""},
		{"-1.5", -1500, ""},
		{".5", 500, ""},
		{"5.", 5000, ""},
		{"2.1250", 2125, ""}, // trailing zeros are exact
		{"0.000", 0, ""},
		{"1e3", 1_000_000, ""},
		{"1.5E-2", 15, ""},
		{"125e-3", 125, ""},
		{"999999999.999", 999_999_999_999, ""},
		{"2.1255", 0, "at most 3 decimal places"},
		{"0.0001", 0, "at most 3 decimal places"},
		{"1e-4", 0, "at most 3 decimal places"},
		{"1000000000", 0, "too large"},
		{"99999999999999999999999", 0, "too large"},
		{"1e30", 0, "too large"},
		{"", 0, "empty"},
		{"-", 0, "no digits"},
		{".", 0, "no digits"},
		{"abc", 0, "only digits"},
		{"1,5", 0, "only digits"},
		{"1.2.3", 0, "only digits"},
		{"0x10", 0, "only digits"},
		{"NaN", 0, "only digits"},
		{"1e", 0, "bad exponent"},
		{"1e999", 0, "bad exponent"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseQuantity(tt.in)
			if tt.err != "" {
				var de *DecimalError
				if err == nil || !errors.As(err, &de) || !contains(err.Error(), tt.err) {
					t.Fatalf("ParseQuantity(%q) = %v, %v; want error with %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseQuantity(%q) = %v, %v; want %v", tt.in, int64(got), err, int64(tt.want))
			}
		})
	}
}

func TestParseUnitCostAndMoneyDecimals(t *testing.T) {
	if c, err := ParseUnitCost("0.3333"); err != nil || c != 3333 {
		t.Fatalf("0.3333 → %v %v", int64(c), err)
	}
	if _, err := ParseUnitCost("0.33333"); err == nil {
		t.Fatal("a unit cost with 5 decimals was accepted")
	}
	if m, err := ParseMoney("31.20"); err != nil || m != 3120 {
		t.Fatalf("31.20 → %v %v", int64(m), err)
	}
	if _, err := ParseMoney("31.205"); err == nil {
		t.Fatal("an amount with 3 decimals was accepted")
	}
	if _, err := ParseUnitCost("10000000"); err == nil {
		t.Fatal("a unit cost above the bound was accepted")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Quantity(2125).String(), "2.125"},
		{Quantity(3500).String(), "3.5"},
		{Quantity(12000).String(), "12"},
		{Quantity(0).String(), "0"},
		{Quantity(-12000).String(), "-12"},
		{Quantity(-1).String(), "-0.001"},
		{UnitCost(25000).String(), "2.50"},
		{UnitCost(31000).String(), "3.10"},
		{UnitCost(3333).String(), "0.3333"},
		{UnitCost(30).String(), "0.003"},
		{UnitCost(0).String(), "0.00"},
		{Money(3120).String(), "31.20"},
		{Money(1085).String(), "10.85"},
		{Money(-620).String(), "-6.20"},
		{Money(5).String(), "0.05"},
		{Money(-5).String(), "-0.05"},
		{Money(0).String(), "0.00"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestRoundTripText(t *testing.T) {
	for _, q := range []Quantity{0, 1, -1, 999, 1000, 123456789, -98765, maxQuantity, -maxQuantity} {
		back, err := ParseQuantity(q.String())
		if err != nil || back != q {
			t.Errorf("quantity %d → %q → %d, %v", int64(q), q.String(), int64(back), err)
		}
	}
	for _, c := range []UnitCost{0, 1, 10, 3333, 25000, maxUnitCost} {
		back, err := ParseUnitCost(c.String())
		if err != nil || back != c {
			t.Errorf("unit cost %d → %q → %d, %v", int64(c), c.String(), int64(back), err)
		}
	}
}

func TestAmountRoundsHalfUpToCents(t *testing.T) {
	tests := []struct {
		q    string
		c    string
		want string
	}{
		{"10", "2.50", "25.00"},
		{"2", "3.10", "6.20"},
		{"5.5", "3.10", "17.05"},
		{"3.5", "3.10", "10.85"},
		{"3", "0.335", "1.01"},      // 1.005 → 1.01: half up, not half even
		{"1", "0.005", "0.01"},      // 0.005 → 0.01
		{"1", "0.0049", "0.00"},     // 0.0049 → 0.00
		{"3", "0.3333", "1.00"},     // 0.9999 → 1.00
		{"2.125", "1.1111", "2.36"}, // 2.36108… → 2.36
		{"0.001", "0.0001", "0.00"},
		{"-3", "0.335", "-1.01"},                                 // half away from zero for negatives
		{"999999999.999", "9999999.9999", "9999999999890000.00"}, // the largest product fits
	}
	for _, tt := range tests {
		got := Amount(MustQuantity(tt.q), MustUnitCost(tt.c))
		if got.String() != tt.want {
			t.Errorf("%s × %s = %s, want %s", tt.q, tt.c, got, tt.want)
		}
	}
}

func TestAverageCost(t *testing.T) {
	tests := []struct {
		value, q, want string
	}{
		{"10.85", "3.5", "3.10"},
		{"1.00", "3", "0.3333"},
		{"2.00", "3", "0.6667"}, // 0.66666… rounds up
		{"0.00", "5", "0.00"},
		{"5.00", "0", ""}, // nothing on hand: no average
		{"5.00", "-1", ""},
		{"42.00", "0.001", "42000.00"},
	}
	for _, tt := range tests {
		got, ok := AverageCost(MustMoney(tt.value), MustQuantity(tt.q))
		if (tt.want == "") != !ok || ok && got.String() != tt.want {
			t.Errorf("%s / %s = %s, %v; want %q", tt.value, tt.q, got, ok, tt.want)
		}
	}
}

// Any BIGINT can be stored in a row, so the arithmetic a read does on stored
// numbers answers "no value" instead of panicking or wrapping around.
func TestStoredExtremesGiveNoValueInsteadOfPanicking(t *testing.T) {
	for _, tt := range []struct {
		value Money
		q     Quantity
		want  string // "" for none
	}{
		{math.MaxInt64, 1, ""},
		{math.MaxInt64, math.MaxInt64 - 1, "10.00"},
		{math.MinInt64 + 1, 1, ""},
		{unreadable, 1000, ""},
		{1000, unreadable, ""},
		{5, math.MinInt64 + 1, ""},
	} {
		c, ok := AverageCost(tt.value, tt.q)
		if (tt.want == "") == ok || ok && c.String() != tt.want {
			t.Errorf("AverageCost(%d, %d) = %s, %v; want %q", int64(tt.value), int64(tt.q), c, ok, tt.want)
		}
	}
	lvl := StockLevel{Goods: &Goods{OnHand: 1, StockValue: math.MaxInt64}}
	if c := lvl.AverageCost(); c != nil {
		t.Errorf("average cost of %d / 0.001 = %s, want null", int64(math.MaxInt64), c)
	}
	for _, l := range []Lot{
		{Remaining: math.MaxInt64, UnitCost: math.MaxInt64},
		{Remaining: math.MinInt64 + 1, UnitCost: math.MaxInt64},
		{Remaining: unreadable, UnitCost: 1},
	} {
		if v, ok := l.RemainingValue(); ok {
			t.Errorf("value of %d × %d = %d, want none", int64(l.Remaining), int64(l.UnitCost), int64(v))
		}
	}
	if v, ok := (&Lot{Remaining: 2125, UnitCost: 23333}).RemainingValue(); !ok || v.String() != "4.96" {
		t.Errorf("2.125 × 2.3333 = %s, %v", v, ok)
	}
	if _, ok := mulDivRound(math.MaxInt64, math.MaxInt64, 1); ok {
		t.Error("mulDivRound overflowed without saying so")
	}
	if _, ok := mulDivRound(1, 1, 0); ok {
		t.Error("mulDivRound divided by zero")
	}
}

func TestAmountPanicsOutsideItsRanges(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic on overflow")
		}
	}()
	Amount(math.MaxInt64, math.MaxInt64)
}

// A REAL or TEXT where an integer belongs (SQLite keeps anything) is read as
// unreadable: never an error that fails the list, never a made-up number,
// and never written back.
func TestScanMarksUnreadableNumbers(t *testing.T) {
	for _, src := range []any{9.3e18, 2.5, "abc", []byte("1e3"), "9223372036854775808", true} {
		var m Money
		if err := m.Scan(src); err != nil || m.Readable() {
			t.Errorf("Scan(%#v) = %d, %v; want unreadable, no error", src, int64(m), err)
		}
		if _, err := m.Value(); !errors.Is(err, ErrUnreadable) {
			t.Errorf("Value() of unreadable = %v, want ErrUnreadable", err)
		}
		var b strings.Builder
		if err := m.MarshalGQLContext(context.Background(), &b); !errors.Is(err, ErrUnreadable) || b.Len() != 0 {
			t.Errorf("MarshalGQLContext of unreadable wrote %q, %v", b.String(), err)
		}
	}
	for _, tt := range []struct {
		src  any
		want string
	}{{int64(math.MaxInt64), "92233720368547758.07"}, {"42", "0.42"}, {[]byte("42.0000"), "0.42"}, {nil, "0.00"}} {
		var m Money
		if err := m.Scan(tt.src); err != nil || !m.Readable() || m.String() != tt.want {
			t.Errorf("Scan(%#v) = %s, %v; want %s", tt.src, m, err, tt.want)
		}
	}
}

func TestGraphQLScalar(t *testing.T) {
	t.Run("accepts a string, a JSON number and a literal", func(t *testing.T) {
		inputs := []any{"2.125", json.Number("2.125"), 2.125, json.Number("2125e-3")}
		for _, in := range inputs {
			var q Quantity
			if err := q.UnmarshalGQL(in); err != nil || q != 2125 {
				t.Errorf("UnmarshalGQL(%#v) = %d, %v", in, int64(q), err)
			}
		}
		var q Quantity
		if err := q.UnmarshalGQL(int64(7)); err != nil || q != 7000 {
			t.Errorf("UnmarshalGQL(int64 7) = %d, %v", int64(q), err)
		}
		if err := q.UnmarshalGQL(0.1); err != nil || q != 100 {
			t.Errorf("UnmarshalGQL(0.1) = %d, %v", int64(q), err)
		}
	})
	t.Run("refuses other types and non-finite numbers", func(t *testing.T) {
		for _, in := range []any{true, nil, []any{1}, math.NaN(), math.Inf(1), map[string]any{}} {
			var c UnitCost
			if err := c.UnmarshalGQL(in); err == nil {
				t.Errorf("UnmarshalGQL(%#v) accepted", in)
			}
		}
	})
	t.Run("writes a string", func(t *testing.T) {
		var b bytes.Buffer
		Money(3120).MarshalGQL(&b)
		if b.String() != `"31.20"` {
			t.Errorf("MarshalGQL = %s", b.String())
		}
		j, _ := json.Marshal(map[string]any{"q": Quantity(2125)})
		if string(j) != `{"q":"2.125"}` {
			t.Errorf("MarshalJSON = %s", j)
		}
	})
}

func TestSQLValueAndScan(t *testing.T) {
	v, _ := Quantity(2125).Value()
	if v != int64(2125) {
		t.Fatalf("Value = %#v", v)
	}
	var m Money
	for _, src := range []any{int64(3120), []byte("3120"), "3120", []byte("3120.0000")} {
		if err := m.Scan(src); err != nil || m != 3120 {
			t.Errorf("Scan(%#v) = %d, %v", src, int64(m), err)
		}
	}
	if _ = m.Scan([]byte("31.2")); m.Readable() {
		t.Error("a fraction of a cent was read as cents")
	}
	if _ = m.Scan(3.5); m.Readable() {
		t.Error("a float was read")
	}
}

func contains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }

// formatFixedBefore is how decimals were formatted before they were
// appended in place: the reference the new formatting must equal.
func formatFixedBefore(n int64, scale, minDecimals int) string {
	neg := n < 0
	u := absU(n)
	p := uint64(1)
	for i := 0; i < scale; i++ {
		p *= 10
	}
	intPart, frac := u/p, u%p
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(strconv.FormatUint(intPart, 10))
	fs := strconv.FormatUint(frac, 10)
	fs = strings.Repeat("0", scale-len(fs)) + fs
	for len(fs) > minDecimals && fs[len(fs)-1] == '0' {
		fs = fs[:len(fs)-1]
	}
	if fs != "" {
		b.WriteByte('.')
		b.WriteString(fs)
	}
	return b.String()
}

// onlyWriter hides every method of a writer but Write.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// Quantities, unit costs and amounts are written, quoted, into the writer
// as they were formatted before: every digit count, signs, zero, the ends
// of each range and of int64, into gqlgen's bytes.Buffer or any writer, in
// GraphQL and in JSON.
func TestMarshalGQLWritesTheStringQuoted(t *testing.T) {
	values := []int64{0, math.MaxInt64, math.MinInt64 + 1, math.MinInt64, maxQuantity, maxUnitCost, maxMoney}
	for p := int64(1); p > 0 && p <= math.MaxInt64/10; p *= 10 {
		for _, n := range []int64{p - 1, p, p + 1, 5 * p, 10*p - 1, 12_345 % (10 * p)} {
			values = append(values, n, -n)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		n := rng.Int64() >> rng.IntN(64)
		values = append(values, n, -n)
	}
	type decimal interface {
		String() string
		MarshalGQL(io.Writer)
		MarshalGQLContext(context.Context, io.Writer) error
		MarshalJSON() ([]byte, error)
	}
	for _, n := range values {
		for _, d := range []struct {
			v                  decimal
			scale, minDecimals int
			readable           bool
		}{
			{Quantity(n), quantityScale, 0, Quantity(n).Readable()},
			{UnitCost(n), unitCostScale, 2, UnitCost(n).Readable()},
			{Money(n), moneyScale, 2, Money(n).Readable()},
		} {
			text := formatFixedBefore(n, d.scale, d.minDecimals)
			if got := d.v.String(); got != text {
				t.Fatalf("%T(%d).String() = %q, want %q", d.v, n, got, text)
			}
			quoted := strconv.Quote(text)
			var buf bytes.Buffer
			buf.WriteString("[")
			d.v.MarshalGQL(&buf)
			var other strings.Builder
			d.v.MarshalGQL(onlyWriter{&other})
			if buf.String() != "["+quoted || other.String() != quoted {
				t.Fatalf("%T(%d).MarshalGQL writes %s into a buffer and %s into a writer, want %s", d.v, n, buf.String(), other.String(), quoted)
			}
			buf.Reset()
			err := d.v.MarshalGQLContext(context.Background(), &buf)
			if d.readable && (err != nil || buf.String() != quoted) || !d.readable && (err == nil || buf.Len() > 0) {
				t.Fatalf("%T(%d).MarshalGQLContext writes %s, %v", d.v, n, buf.String(), err)
			}
			j, err := d.v.MarshalJSON()
			want, _ := json.Marshal(text)
			if !d.readable {
				want = []byte("null")
			}
			if err != nil || !bytes.Equal(j, want) {
				t.Fatalf("%T(%d).MarshalJSON() = %s, %v; want %s", d.v, n, j, err, want)
			}
		}
	}
}

// Writing a decimal into gqlgen's buffer allocates nothing.
func TestMarshalGQLDoesNotAllocate(t *testing.T) {
	var buf bytes.Buffer
	buf.Grow(1024)
	allocs := testing.AllocsPerRun(100, func() {
		buf.Reset()
		Quantity(-123456789).MarshalGQL(&buf)
		_ = UnitCost(maxUnitCost).MarshalGQLContext(context.Background(), &buf)
		Money(maxMoney).MarshalGQL(&buf)
	})
	if allocs != 0 {
		t.Errorf("%v allocations writing three decimals", allocs)
	}
}
