package db

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// Running balances: what makes a balance at any past instant cheap to read.
//
// The ledger is split into series, one per (goods, location, kind,
// direction). For each series and each UTC day on which it has entries,
// ledger_balances holds one row: the sum of the series' quantities and
// amounts over every entry up to the end of that day. So the sum of a series
// before the start of day D is its row with the greatest day < D, one index
// seek on the primary key (goods_id, location_id, kind, direction, day); a
// balance is the sum of its series; a period's movement per kind is the
// difference of two such sums. An instant inside a day adds the ledger
// entries of that day before it, read by the ledger's (at) index: at most one
// day of entries. Nothing is ever summed over the whole ledger per request,
// and a year-long period costs what a month does.
//
// keepBalances keeps the rows in step with the ledger, in the transaction
// that writes the entries and under the locks of their goods (the engine's
// lock order), so two documents never update one series at once. An entry on
// the latest day of its series touches one row. A backdated entry also adds
// itself to every later row of its series: one UPDATE over at most one row
// per day since then, instead of a rebuild.
//
// RebuildBalances (and the migration that made the table) fill it from the
// ledger in one statement, for a database whose ledger was imported or
// written around the Store.

// dayOf is the day number of t: whole days since 1970-01-01 UTC.
func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// dayStart is the instant day d begins.
func dayStart(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }

// seriesKey names one series of the ledger.
type seriesKey struct {
	goods, location int64
	kind            model.LedgerKind
	direction       model.Direction
}

// balanceRow is one row of ledger_balances.
type balanceRow struct {
	bun.BaseModel `bun:"table:ledger_balances,alias:lb"`

	GoodsID    int64            `bun:"goods_id,pk"`
	LocationID int64            `bun:"location_id,pk"`
	Kind       model.LedgerKind `bun:"kind,pk"`
	Direction  model.Direction  `bun:"direction,pk"`
	Day        int64            `bun:"day,pk"`
	Quantity   model.Quantity   `bun:"quantity,notnull"`
	Amount     model.Money      `bun:"amount,notnull"`
}

// dayDelta is what entries of one series add on one day.
type dayDelta struct {
	day    int64
	qty    model.Quantity
	amount model.Money
}

// keepBalances adds ledger entries just written to the running balances. The
// caller holds the locks of the entries' goods. Every path that writes ledger
// entries calls it with them: the engine's finish (stockRun.finish), and a
// stock-in for the entries it copies from its lots.
func keepBalances(ctx context.Context, tx bun.IDB, entries []*model.LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	deltas := map[seriesKey][]dayDelta{}
	for _, e := range entries {
		k := seriesKey{e.GoodsID, e.LocationID, e.Kind, e.Direction}
		d := dayOf(e.At)
		ds := deltas[k]
		if i := slices.IndexFunc(ds, func(x dayDelta) bool { return x.day == d }); i >= 0 {
			ds[i].qty += e.Quantity
			ds[i].amount += e.Amount
			continue
		}
		deltas[k] = append(ds, dayDelta{day: d, qty: e.Quantity, amount: e.Amount})
	}
	keys := make([]seriesKey, 0, len(deltas))
	for k := range deltas {
		keys = append(keys, k)
	}
	// Key order, so that two documents lock the rows of shared series in
	// the same order.
	slices.SortFunc(keys, func(a, b seriesKey) int {
		return cmp.Or(cmp.Compare(a.goods, b.goods), cmp.Compare(a.location, b.location),
			cmp.Compare(a.kind, b.kind), cmp.Compare(a.direction, b.direction))
	})
	var upserts []*balanceRow
	for _, k := range keys {
		ds := deltas[k]
		slices.SortFunc(ds, func(a, b dayDelta) int { return cmp.Compare(a.day, b.day) })
		last, err := readBalance(ctx, tx, k, nil)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if last == nil || last.Day <= d.day {
				// Nothing later in the series: the day's row is the last
				// one plus this day's entries.
				row := &balanceRow{GoodsID: k.goods, LocationID: k.location, Kind: k.kind, Direction: k.direction, Day: d.day}
				if last != nil {
					row.Quantity, row.Amount = last.Quantity, last.Amount
				}
				row.Quantity += d.qty
				row.Amount += d.amount
				upserts = append(upserts, row)
				last = row
				continue
			}
			// Backdated: the day's row is the one before it plus this day's
			// entries, and every later row gains them too.
			before, err := readBalance(ctx, tx, k, &d.day)
			if err != nil {
				return err
			}
			_, err = tx.NewUpdate().Model((*balanceRow)(nil)).
				Set("quantity = quantity + ?", d.qty).Set("amount = amount + ?", d.amount).
				Where("goods_id = ?", k.goods).Where("location_id = ?", k.location).
				Where("kind = ?", k.kind).Where("direction = ?", k.direction).Where("day > ?", d.day).
				Exec(ctx)
			if err != nil {
				return fmt.Errorf("move later balances of goods %d: %w", k.goods, err)
			}
			row := &balanceRow{GoodsID: k.goods, LocationID: k.location, Kind: k.kind, Direction: k.direction, Day: d.day,
				Quantity: d.qty, Amount: d.amount}
			if before != nil {
				row.Quantity += before.Quantity
				row.Amount += before.Amount
			}
			if err := upsertBalances(ctx, tx, []*balanceRow{row}); err != nil {
				return err
			}
			last.Quantity += d.qty
			last.Amount += d.amount
		}
	}
	return upsertBalances(ctx, tx, upserts)
}

// readBalance reads, locking it, the row of series k with the greatest day
// ≤ *atMost, or the series' last row when atMost is nil; nil when there is
// none. The lock matters on MySQL: a locking read sees the latest committed
// row, whatever snapshot the transaction read others with.
func readBalance(ctx context.Context, tx bun.IDB, k seriesKey, atMost *int64) (*balanceRow, error) {
	var rows []*balanceRow
	q := tx.NewSelect().Model(&rows).
		Where("lb.goods_id = ?", k.goods).Where("lb.location_id = ?", k.location).
		Where("lb.kind = ?", k.kind).Where("lb.direction = ?", k.direction).
		OrderExpr("lb.day DESC").Limit(1)
	if atMost != nil {
		q = q.Where("lb.day <= ?", *atMost)
	}
	if err := forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read balance of goods %d: %w", k.goods, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

// upsertBalances writes rows, each replacing the row of its series and day
// when there is one: one statement for all of them.
func upsertBalances(ctx context.Context, tx bun.IDB, rows []*balanceRow) error {
	if len(rows) == 0 {
		return nil
	}
	q := tx.NewInsert().Model(&rows)
	if isMySQL(tx) {
		q = q.On("DUPLICATE KEY UPDATE").Set("quantity = VALUES(quantity)").Set("amount = VALUES(amount)")
	} else {
		q = q.On("CONFLICT (goods_id, location_id, kind, direction, day) DO UPDATE").
			Set("quantity = EXCLUDED.quantity").Set("amount = EXCLUDED.amount")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("write balances: %w", err)
	}
	return nil
}

// lotEntries are the IN ledger entries a stock-in writes for its lots (one
// per lot, at its receivedAt), as keepBalances needs them.
func lotEntries(lots []*model.Lot, kind model.LedgerKind) []*model.LedgerEntry {
	es := make([]*model.LedgerEntry, len(lots))
	for i, l := range lots {
		es[i] = &model.LedgerEntry{At: l.ReceivedAt, GoodsID: l.GoodsID, LocationID: l.LocationID,
			Direction: model.DirectionIn, Kind: kind, Quantity: l.ReceivedQuantity, Amount: l.Amount}
	}
	return es
}

// fillBalancesSQL is the statement that fills an empty ledger_balances from
// the ledger: the entries summed per series and day, then a running sum over
// the days of each series. The migration that made the table runs it too
// ({{.FillLedgerBalances}}).
func fillBalancesSQL(db bun.IDB) string {
	// The day number of an entry's time, as dayOf computes it. SQLite
	// stores a time as text starting with its UTC date.
	day := "CAST(unixepoch(substr(at, 1, 10)) / 86400 AS INTEGER)"
	if isMySQL(db) {
		day = "(TO_DAYS(at) - 719528)"
	}
	return `INSERT INTO ledger_balances (goods_id, location_id, kind, direction, day, quantity, amount)
SELECT goods_id, location_id, kind, direction, day,
  SUM(quantity) OVER (PARTITION BY goods_id, location_id, kind, direction ORDER BY day),
  SUM(amount) OVER (PARTITION BY goods_id, location_id, kind, direction ORDER BY day)
FROM (SELECT goods_id, location_id, kind, direction, COALESCE(` + day + `, 0) AS day,
    SUM(quantity) AS quantity, SUM(amount) AS amount
  FROM ledger_entries GROUP BY goods_id, location_id, kind, direction, COALESCE(` + day + `, 0)) AS d`
}

// RebuildBalances fills the running balances afresh from the ledger, in one
// transaction: for a ledger imported, or written by anything but the Store.
// Documents written meanwhile wait for it on MySQL (it locks the goods rows
// first, all of them, in id order, as a document would).
func (s *Store) RebuildBalances(ctx context.Context) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*model.Goods)(nil)).Column("g.id").OrderExpr("g.id")
		var ids []int64
		if err := forUpdate(q).Scan(ctx, &ids); err != nil {
			return fmt.Errorf("lock goods: %w", err)
		}
		if _, err := tx.NewDelete().Model((*balanceRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return fmt.Errorf("empty the balances: %w", err)
		}
		if _, err := tx.ExecContext(ctx, fillBalancesSQL(tx)); err != nil {
			return fmt.Errorf("fill the balances: %w", err)
		}
		return nil
	})
}
