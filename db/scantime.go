package db

import (
	"reflect"
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
