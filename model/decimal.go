package model

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Numbers on the money and quantity path are exact fixed-point integers, never
// float64. Each kind counts its own smallest unit and is stored as that integer
// in a BIGINT column, so SQL sums are exact and identical on SQLite and MySQL:
//
//	Quantity  thousandths of a unit   (3 decimals: 2.125 kg)
//	UnitCost  ten-thousandths         (4 decimals: 0.3333 per kg)
//	Money     hundredths (cents)      (2 decimals: 31.20)
//
// In GraphQL all three are the Decimal scalar, written as a string and read
// from a string or a JSON number.

const (
	quantityScale = 3
	unitCostScale = 4
	moneyScale    = 2

	// Upper bounds keep every product and quotient below inside int64.
	maxQuantity = 999_999_999_999        // 999 999 999.999
	maxUnitCost = 99_999_999_999         // 9 999 999.9999
	maxMoney    = 99_999_999_999_999_999 // 999 999 999 999 999.99
)

// Quantity is an amount of goods with up to 3 decimals, counted in thousandths.
type Quantity int64

// UnitCost is a price per unit with up to 4 decimals, counted in ten-thousandths.
type UnitCost int64

// Money is an amount of money with 2 decimals, counted in cents.
type Money int64

// ParseQuantity reads a quantity such as "2.125"; more than 3 decimals is an error.
func ParseQuantity(s string) (Quantity, error) {
	n, err := parseFixed(s, quantityScale, maxQuantity)
	return Quantity(n), err
}

// ParseUnitCost reads a unit cost such as "3.10"; more than 4 decimals is an error.
func ParseUnitCost(s string) (UnitCost, error) {
	n, err := parseFixed(s, unitCostScale, maxUnitCost)
	return UnitCost(n), err
}

// ParseMoney reads an amount such as "31.20"; more than 2 decimals is an error.
func ParseMoney(s string) (Money, error) {
	n, err := parseFixed(s, moneyScale, maxMoney)
	return Money(n), err
}

// MustQuantity is ParseQuantity for constants in code and tests.
func MustQuantity(s string) Quantity { return must(ParseQuantity(s)) }

// MustUnitCost is ParseUnitCost for constants in code and tests.
func MustUnitCost(s string) UnitCost { return must(ParseUnitCost(s)) }

// MustMoney is ParseMoney for constants in code and tests.
func MustMoney(s string) Money { return must(ParseMoney(s)) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// String is the shortest exact form: "12", "3.5", "2.125".
func (q Quantity) String() string {
	var b [24]byte
	return string(q.appendText(b[:0]))
}

func (q Quantity) appendText(b []byte) []byte { return appendFixed(b, int64(q), quantityScale, 0) }

// String keeps at least two decimals, like a price: "2.50", "0.3333".
func (c UnitCost) String() string {
	var b [24]byte
	return string(c.appendText(b[:0]))
}

func (c UnitCost) appendText(b []byte) []byte { return appendFixed(b, int64(c), unitCostScale, 2) }

// String always has two decimals: "31.20".
func (m Money) String() string {
	var b [24]byte
	return string(m.appendText(b[:0]))
}

func (m Money) appendText(b []byte) []byte { return appendFixed(b, int64(m), moneyScale, 2) }

// Amount is quantity × unit cost in money, rounded half away from zero to cents.
// Both factors must lie within their ranges (every quantity and unit cost wms
// accepts), which keeps the result inside int64; anything else is a bug and
// panics. A product of stored numbers that may be anything is amount.
func Amount(q Quantity, c UnitCost) Money {
	m, ok := amount(q, c)
	if !ok {
		panic(fmt.Sprintf("model: %d × %d overflows", int64(q), int64(c)))
	}
	return m
}

// amount is Amount, with ok false when a factor is unreadable or the product
// does not fit.
func amount(q Quantity, c UnitCost) (Money, bool) {
	if !q.Readable() || !c.Readable() {
		return 0, false
	}
	// q is 1e-3, c is 1e-4: the product counts 1e-7, money counts 1e-2.
	n, ok := mulDivRound(int64(q), int64(c), 100_000)
	return Money(n), ok && Money(n).Readable()
}

// AverageCost is value / quantity as a unit cost, rounded half away from
// zero. ok is false when there is no average: nothing (or less than nothing)
// on hand, an unreadable number, or a quotient too large for a unit cost — a
// stored row can hold any BIGINT, and a read must not fail over it.
func AverageCost(value Money, q Quantity) (UnitCost, bool) {
	if q <= 0 || !q.Readable() || !value.Readable() {
		return 0, false
	}
	// value/100 ÷ q/1000 = 10·value/q units of money = 1e5·value/q ten-thousandths.
	n, ok := mulDivRound(int64(value), 100_000, int64(q))
	return UnitCost(n), ok && UnitCost(n).Readable()
}

// mulDivRound returns a·b/d rounded half away from zero, computing a·b in
// 128 bits so that no intermediate overflows; ok is false when d is not
// positive or the result does not fit in int64.
func mulDivRound(a, b, d int64) (int64, bool) {
	if d <= 0 {
		return 0, false
	}
	neg := (a < 0) != (b < 0)
	ua, ub := absU(a), absU(b)
	hi, lo := bits.Mul64(ua, ub)
	if hi >= uint64(d) {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, uint64(d))
	if r >= uint64(d)-r { // r ≥ d/2 without overflow: round half up
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

func absU(n int64) uint64 {
	if n < 0 {
		return uint64(-n)
	}
	return uint64(n)
}

// DecimalError says why a number was refused; the API reports it as BAD_USER_INPUT.
type DecimalError struct {
	Input  string
	Reason string
}

func (e *DecimalError) Error() string {
	return fmt.Sprintf("%q is not a valid number: %s", e.Input, e.Reason)
}

// parseFixed reads a decimal literal ("-12.5", "1e3", "0.125") into an integer
// count of 10^-scale, refusing more decimals than scale and values above max.
func parseFixed(s string, scale int, max int64) (int64, error) {
	in := s
	s = strings.TrimSpace(s)
	bad := func(reason string) (int64, error) { return 0, &DecimalError{Input: in, Reason: reason} }
	if s == "" {
		return bad("empty")
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 40 || e < -40 {
			return bad("bad exponent")
		}
		exp = e
		s = s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return bad("no digits")
	}
	digits := intPart + frac
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return bad("only digits, one '.' and a sign are allowed")
		}
	}
	// value = digits × 10^(exp − len(frac)); we want value × 10^scale.
	shift := scale + exp - len(frac)
	digits = strings.TrimLeft(digits, "0")
	for shift < 0 {
		if digits == "" {
			break
		}
		if digits[len(digits)-1] != '0' {
			return bad(fmt.Sprintf("at most %d decimal places", scale))
		}
		digits = digits[:len(digits)-1]
		shift++
	}
	if digits == "" {
		return 0, nil
	}
	if len(digits)+shift > 19 {
		return bad("too large")
	}
	n, err := strconv.ParseInt(digits+strings.Repeat("0", max0(shift)), 10, 64)
	if err != nil || n > max {
		return bad("too large")
	}
	if neg {
		n = -n
	}
	return n, nil
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// appendFixed appends n × 10^-scale to b with the fraction's trailing zeros
// trimmed down to minDecimals.
func appendFixed(b []byte, n int64, scale, minDecimals int) []byte {
	if n < 0 {
		b = append(b, '-')
	}
	u := absU(n)
	p := uint64(1)
	for range scale {
		p *= 10
	}
	b = strconv.AppendUint(b, u/p, 10)
	// The fraction, zero-padded to scale digits (scale is at most 4).
	var frac [8]byte
	f := u % p
	for i := scale - 1; i >= 0; i-- {
		frac[i] = byte('0' + f%10)
		f /= 10
	}
	end := scale
	for end > minDecimals && frac[end-1] == '0' {
		end--
	}
	if end > 0 {
		b = append(b, '.')
		b = append(b, frac[:end]...)
	}
	return b
}

// decimalInput turns what gqlgen hands a scalar (a string, a json.Number from
// variables, or an int or float64 from a literal in the query) into text.
func decimalInput(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case int:
		return strconv.Itoa(x), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		// A literal such as 2.125 in the query text arrives as float64; its
		// shortest round-trip form is the literal as written.
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", &DecimalError{Input: fmt.Sprint(x), Reason: "not a finite number"}
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	default:
		return "", &DecimalError{Input: fmt.Sprint(v), Reason: "expected a string or a number"}
	}
}

// Unreadable numbers. A BIGINT column always reads back exactly, but SQLite
// keeps whatever it is given: a REAL where an integer sum once overflowed, a
// TEXT written by hand. Such a value has no exact fixed-point reading, and
// turning a float into money would make up cents, so Scan keeps it as the
// mark unreadable instead of failing the whole list the row is in. The API
// shows the field as null with an INTERNAL error on its path (MarshalGQLContext:
// the rest of the list answers, the server log names the field), a report
// leaves the cell empty, and no write stores the mark (Value refuses it) or
// computes with it (stock moves check it). The mark is the smallest int64,
// outside every range wms accepts, so a stored −9223372036854775808 reads as
// unreadable too.
const unreadable = math.MinInt64

// ErrUnreadable is the error of a field whose stored number is unreadable.
var ErrUnreadable = errors.New("a stored number is not an exact integer (a REAL or TEXT in an INTEGER column): the row needs repair")

// Readable reports a quantity read exactly from the database.
func (q Quantity) Readable() bool { return q != unreadable }

// Readable reports a unit cost read exactly from the database.
func (c UnitCost) Readable() bool { return c != unreadable }

// Readable reports an amount read exactly from the database.
func (m Money) Readable() bool { return m != unreadable }

// MarshalGQL writes the quantity as a GraphQL string.
func (q Quantity) MarshalGQL(w io.Writer) { writeDecimal(w, q.appendText) }

// MarshalGQLContext writes the quantity, or fails the field when it is unreadable.
func (q Quantity) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalReadable(w, q.Readable(), q.MarshalGQL)
}

// UnmarshalGQL reads a quantity from a string or a number.
func (q *Quantity) UnmarshalGQL(v any) error {
	s, err := decimalInput(v)
	if err == nil {
		*q, err = ParseQuantity(s)
	}
	return err
}

// UnmarshalGQLContext is UnmarshalGQL.
func (q *Quantity) UnmarshalGQLContext(_ context.Context, v any) error { return q.UnmarshalGQL(v) }

// MarshalGQL writes the unit cost as a GraphQL string.
func (c UnitCost) MarshalGQL(w io.Writer) { writeDecimal(w, c.appendText) }

// MarshalGQLContext writes the unit cost, or fails the field when it is unreadable.
func (c UnitCost) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalReadable(w, c.Readable(), c.MarshalGQL)
}

// UnmarshalGQL reads a unit cost from a string or a number.
func (c *UnitCost) UnmarshalGQL(v any) error {
	s, err := decimalInput(v)
	if err == nil {
		*c, err = ParseUnitCost(s)
	}
	return err
}

// UnmarshalGQLContext is UnmarshalGQL.
func (c *UnitCost) UnmarshalGQLContext(_ context.Context, v any) error { return c.UnmarshalGQL(v) }

// MarshalGQL writes the amount as a GraphQL string.
func (m Money) MarshalGQL(w io.Writer) { writeDecimal(w, m.appendText) }

// MarshalGQLContext writes the amount, or fails the field when it is unreadable.
func (m Money) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalReadable(w, m.Readable(), m.MarshalGQL)
}

// UnmarshalGQL reads an amount from a string or a number.
func (m *Money) UnmarshalGQL(v any) error {
	s, err := decimalInput(v)
	if err == nil {
		*m, err = ParseMoney(s)
	}
	return err
}

// UnmarshalGQLContext is UnmarshalGQL.
func (m *Money) UnmarshalGQLContext(_ context.Context, v any) error { return m.UnmarshalGQL(v) }

// marshalReadable writes a decimal with marshal, or returns ErrUnreadable
// having written nothing (gqlgen then writes null and adds the error on the
// field's path).
func marshalReadable(w io.Writer, readable bool, marshal func(io.Writer)) error {
	if !readable {
		return ErrUnreadable
	}
	marshal(w)
	return nil
}

// MarshalJSON writes the quantity as a JSON string, as the API does (null
// when unreadable).
func (q Quantity) MarshalJSON() ([]byte, error) { return jsonReadable(q.Readable(), q.appendText) }

// MarshalJSON writes the unit cost as a JSON string, as the API does.
func (c UnitCost) MarshalJSON() ([]byte, error) { return jsonReadable(c.Readable(), c.appendText) }

// MarshalJSON writes the amount as a JSON string, as the API does.
func (m Money) MarshalJSON() ([]byte, error) { return jsonReadable(m.Readable(), m.appendText) }

func jsonReadable(readable bool, appendText func([]byte) []byte) ([]byte, error) {
	if !readable {
		return []byte("null"), nil
	}
	return appendQuoted(make([]byte, 0, 24), appendText), nil
}

// writeDecimal writes a decimal to w as a JSON string. It appends straight
// to w's buffer when w has one — gqlgen marshals a response into a
// bytes.Buffer — so that a number is written without allocating.
func writeDecimal(w io.Writer, appendText func([]byte) []byte) {
	if bw, ok := w.(interface {
		io.Writer
		AvailableBuffer() []byte
	}); ok {
		_, _ = bw.Write(appendQuoted(bw.AvailableBuffer(), appendText))
		return
	}
	var buf [32]byte
	_, _ = w.Write(appendQuoted(buf[:0], appendText))
}

// appendQuoted appends a decimal's text in quotes: the text is digits, '-'
// and '.', which need no escaping.
func appendQuoted(b []byte, appendText func([]byte) []byte) []byte {
	return append(appendText(append(b, '"')), '"')
}

// Value stores the quantity as its integer count of thousandths.
func (q Quantity) Value() (driver.Value, error) { return storable(int64(q)) }

// Scan reads a quantity stored as an integer count of thousandths.
func (q *Quantity) Scan(src any) error { scanInt((*int64)(q), src); return nil }

// Value stores the unit cost as its integer count of ten-thousandths.
func (c UnitCost) Value() (driver.Value, error) { return storable(int64(c)) }

// Scan reads a unit cost stored as an integer count of ten-thousandths.
func (c *UnitCost) Scan(src any) error { scanInt((*int64)(c), src); return nil }

// Value stores the amount as its integer count of cents.
func (m Money) Value() (driver.Value, error) { return storable(int64(m)) }

// Scan reads an amount stored as an integer count of cents.
func (m *Money) Scan(src any) error { scanInt((*int64)(m), src); return nil }

// storable refuses to write the unreadable mark back as if it were a number.
func storable(n int64) (driver.Value, error) {
	if n == unreadable {
		return nil, ErrUnreadable
	}
	return n, nil
}

// scanInt reads an integer column, or sets the unreadable mark. MySQL sends
// SUM() of BIGINT as DECIMAL text ("42"); drivers send plain columns as
// int64; a float64 (a REAL in SQLite) is never taken for an exact number.
func scanInt(dst *int64, src any) {
	switch v := src.(type) {
	case int64:
		*dst = v
	case []byte:
		*dst = scanIntText(string(v))
	case string:
		*dst = scanIntText(v)
	case nil:
		*dst = 0
	default:
		*dst = unreadable
	}
}

func scanIntText(s string) int64 {
	// An exact DECIMAL may arrive as "42.0000" from some aggregates.
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return unreadable
	}
	return n
}

// UnmarshalJSON reads a quantity written by MarshalJSON (a JSON string).
func (q *Quantity) UnmarshalJSON(b []byte) error { return unmarshalDecimal(b, q, ParseQuantity) }

// UnmarshalJSON reads an amount written by MarshalJSON (a JSON string).
func (m *Money) UnmarshalJSON(b []byte) error { return unmarshalDecimal(b, m, ParseMoney) }

func unmarshalDecimal[T any](b []byte, dst *T, parse func(string) (T, error)) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := parse(s)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
