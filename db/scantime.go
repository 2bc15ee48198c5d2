package db

import (
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"wms/model"
)

// A TIMESTAMP column in SQLite holds whatever is written into it: a text
// that is no time, an integer, a real. Bun fails the whole query over such a
// value, so one row written by hand would fail every list holding it. The
// time columns of the models read it as the zero time instead
// (0001-01-01T00:00:00Z, which the API shows as such): the list answers, and
// the odd time stands out. A list is ordered by what is stored, so paging
// across such a row (first/after) may skip rows; reading the list whole, or
// by offset, does not. MySQL's DATETIME holds only times; there the wrapper
// never fires.

// storedModels are the models whose times are read this way. Tokens are
// not: a token whose expiry or revocation cannot be read must fail closed,
// not read as "never expires" or "not revoked".
var storedModels = []any{
	(*model.Category)(nil), (*model.Goods)(nil), (*model.StockIn)(nil), (*model.Lot)(nil),
	(*model.StockOut)(nil), (*model.StockOutLine)(nil), (*model.LedgerEntry)(nil),
	(*model.Media)(nil), (*model.User)(nil),
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	timePtrType   = reflect.TypeFor[*time.Time]()
	tolerantTable sync.Map // *schema.Table → struct{}: its time fields are wrapped
)

// tolerateBadTimes wraps the scanner of every time field of the stored
// models, once per table of bdb's dialect, before the Store runs a query.
func tolerateBadTimes(bdb *bun.DB) {
	for _, m := range storedModels {
		t := bdb.Table(reflect.TypeOf(m).Elem())
		if _, done := tolerantTable.LoadOrStore(t, struct{}{}); done {
			continue
		}
		for _, f := range t.Fields {
			if typ := f.StructField.Type; typ == timeType || typ == timePtrType {
				f.Scan = tolerantTime(f.Scan)
			}
		}
	}
}

// tolerantTime reads what scan reads, or the zero value of the field (the
// zero time, or nil for an optional time) when scan cannot read it.
func tolerantTime(scan schema.ScannerFunc) schema.ScannerFunc {
	return func(dest reflect.Value, src any) error {
		if err := scan(dest, src); err != nil {
			dest.Set(reflect.Zero(dest.Type()))
		}
		return nil
	}
}

// The page queries that scan their rows themselves (goodsscan.go) read a
// time column through storedTime. On SQLite they select it as +col, an
// expression without the column's declared type, so the driver hands over
// the stored text as it is: the driver would otherwise parse every
// TIMESTAMP text itself, trying first a layout that never matches what Bun
// writes (and allocating its error) before the one that does, and Bun's
// scanner would then copy the result once more. storedTime parses the text
// Bun writes once, and anything else exactly as the driver and Bun would
// have, down to the zero time for what neither can read.

// selectTime is the select-list expression that reads the time column col
// for storedTime.
func selectTime(db bun.IDB, col string) string {
	if isMySQL(db) {
		return col // the driver (parseTime) answers a time.Time
	}
	return "+" + col
}

// storedTime reads a time column value as the models read it (the driver,
// Bun's scanner and tolerantTime together): a time, or the zero time for a
// value that is none.
func storedTime(src any) time.Time {
	switch v := src.(type) {
	case time.Time:
		return v
	case string:
		if t, ok := parseBunTime(v); ok {
			return t
		}
		return parseStoredText(v)
	case []byte:
		return parseStoredText(string(v))
	}
	// NULL, or an integer or a real that Bun's scanner refuses.
	return time.Time{}
}

// parseBunTime reads the text Bun writes for a time on SQLite,
// "2006-01-02 15:04:05.999999+00:00" (UTC, 0 to 9 digits of fraction),
// without allocating; ok is false for any other text. It accepts exactly the
// texts of that shape that time.Parse accepts with the driver's layout
// "2006-01-02 15:04:05.999999999-07:00", and gives the same instant.
func parseBunTime(s string) (time.Time, bool) {
	const tail = "+00:00"
	n := len(s)
	if n < len("2006-01-02 15:04:05")+len(tail) || s[n-len(tail):] != tail ||
		s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, w int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+w]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := s[19 : n-len(tail)]; frac != "" {
		digits := len(frac) - 1
		if frac[0] != '.' || digits < 1 || digits > 9 {
			return time.Time{}, false
		}
		v, ok := num(20, digits)
		if !ok {
			return time.Time{}, false
		}
		for range 9 - digits {
			v *= 10
		}
		nsec = v
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// sqliteTimeLayouts are the layouts the SQLite driver (modernc.org/sqlite)
// tries on the text of a TIMESTAMP column, after a time.Time.String() text.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

var bunTimeScanner = schema.Scanner(timeType)

// parseStoredText reads a stored text that is not what Bun writes: as the
// driver would have parsed it, else as Bun's scanner reads a text the driver
// left alone, else the zero time.
func parseStoredText(s string) time.Time {
	str := s
	if x := strings.Index(str, "m="); x > 0 {
		str = str[:x]
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(str)); err == nil {
		return t
	}
	trimmed := strings.TrimSuffix(s, "Z")
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, trimmed); err == nil {
			return t
		}
	}
	var t time.Time
	if err := bunTimeScanner(reflect.ValueOf(&t).Elem(), s); err != nil {
		return time.Time{}
	}
	return t
}
