package db

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/uptrace/bun"
)

// Store holds every query and transaction of wms. Its methods are split one
// file per entity (category.go, goods.go, …).
type Store struct {
	db *bun.DB
	// Now is the clock; tests may fix it.
	Now func() time.Time
	// Timezone is the shop's (WMS_TIMEZONE; nil is UTC): see businessday.go.
	Timezone *time.Location
	// writeMu serialises write transactions on SQLite, which allows one
	// writer at a time anyway: waiting here is fair and cheap, while waiting in
	// SQLite's busy handler is a sleep-and-poll loop.
	writeMu *sync.Mutex
	// noEvents leaves the outbox out of documents, for the benchmark that
	// measures what it costs; never set outside it.
	noEvents bool
}

// NewStore returns the Store over an open, migrated database.
func NewStore(db *bun.DB) *Store {
	tolerateBadTimes(db)
	s := &Store{db: db, Now: time.Now}
	if !isMySQL(db) {
		s.writeMu = new(sync.Mutex)
	}
	return s
}

// DB is the underlying Bun handle.
func (s *Store) DB() *bun.DB { return s.db }

// now is the Store's clock in UTC at the microsecond, the precision of MySQL
// DATETIME(6), so a time written and read back compares equal.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// maxTxAttempts bounds how often a transaction is re-run after a deadlock.
const maxTxAttempts = 10

// inTx runs fn in one transaction. When the database reports a deadlock or a
// lock wait timeout (MySQL) or a busy database (SQLite), the transaction was
// rolled back whole and fn runs again from the start (Store.retry). fn must
// therefore use only tx and must not keep state between runs.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.retry(ctx, func() error {
		if s.writeMu != nil {
			s.writeMu.Lock()
			defer s.writeMu.Unlock()
		}
		return s.db.RunInTx(ctx, nil, fn)
	})
}

// retry runs try, and runs it again after a short random pause each time it
// fails with an error after which that is safe (isRetryable: the database
// rolled back everything try did), up to maxTxAttempts times in all.
func (s *Store) retry(ctx context.Context, try func() error) error {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 5 * time.Millisecond
	bo.MaxInterval = 200 * time.Millisecond
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := try()
		if err != nil && !isRetryable(err) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(bo), backoff.WithMaxTries(maxTxAttempts), backoff.WithMaxElapsedTime(0))
	return err
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// notFound turns sql.ErrNoRows into the domain's NOT_FOUND.
func notFound(err error, nf error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nf
	}
	return err
}

// ignoreNoRows turns sql.ErrNoRows into nil.
func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// byID indexes items by their id.
func byID[T any](items []T, id func(T) int64) map[int64]T {
	m := make(map[int64]T, len(items))
	for _, it := range items {
		m[id(it)] = it
	}
	return m
}
