package graph

import (
	"context"
	"fmt"
	"sync"
)

// Loader batches the loading of one kind of thing by key within one request,
// so that nested fields cost one query per level, not one per row.
//
// Usual dataloaders collect keys for a few milliseconds and then fetch. That
// wait adds to every request's latency, and how many keys arrive within it
// depends on scheduling, so the number of queries a request makes varies.
// This loader needs no wait: whoever produces objects tells the loaders what
// their nested fields will ask for (Expect), and the first Load fetches the
// asked key together with every key still expected, in one query. A list
// resolver that returns 100 goods expects their 100 category ids; the first
// Goods.category resolver fetches all 100; the other 99 find them fetched.
type Loader[K comparable, V any] struct {
	fetch func(context.Context, []K) (map[K]V, error)

	mu       sync.Mutex
	batches  map[K]*batch[K, V] // fetched or being fetched
	expected map[K]struct{}     // announced, not yet fetched
}

type batch[K comparable, V any] struct {
	ready chan struct{}
	vals  map[K]V
	err   error
}

// NewLoader returns a loader that fetches with fetch; fetch returns the values
// it found by key and leaves out the keys that do not exist.
func NewLoader[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error)) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch, batches: map[K]*batch[K, V]{}, expected: map[K]struct{}{}}
}

// Expect announces keys that are likely to be loaded soon, so the next fetch
// includes them. It does not query.
func (l *Loader[K, V]) Expect(keys ...K) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if _, done := l.batches[k]; !done {
			l.expected[k] = struct{}{}
		}
	}
}

// Load returns the value for key, fetching it with every expected key when it
// is not fetched yet. A key that does not exist gives the zero value.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	l.mu.Lock()
	b, ok := l.batches[key]
	if !ok {
		b = &batch[K, V]{ready: make(chan struct{})}
		keys := make([]K, 0, len(l.expected)+1)
		keys = append(keys, key)
		l.batches[key] = b
		for k := range l.expected {
			if _, done := l.batches[k]; !done {
				keys = append(keys, k)
				l.batches[k] = b
			}
		}
		clear(l.expected)
		l.mu.Unlock()
		l.run(ctx, b, keys)
	} else {
		l.mu.Unlock()
		select {
		case <-b.ready:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	return b.vals[key], b.err
}

// run fetches one batch; a panic in fetch becomes the batch's error so that
// the other waiters are released too.
func (l *Loader[K, V]) run(ctx context.Context, b *batch[K, V], keys []K) {
	defer close(b.ready)
	defer func() {
		if r := recover(); r != nil {
			b.err = fmt.Errorf("loader: %v", r)
		}
	}()
	b.vals, b.err = l.fetch(ctx, keys)
}

// Prime records values already at hand (the rows of a page), so loading
// their keys costs nothing.
func (l *Loader[K, V]) Prime(vals map[K]V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := &batch[K, V]{ready: make(chan struct{}), vals: vals}
	close(b.ready)
	for k := range vals {
		if _, done := l.batches[k]; !done {
			l.batches[k] = b
			delete(l.expected, k)
		}
	}
}

// loadAll loads the value for each parent of a batch resolver, in order, in
// one fetch.
func loadAll[P any, V any](ctx context.Context, l *Loader[int64, V], parents []P, key func(P) int64) ([]V, error) {
	for _, p := range parents {
		l.Expect(key(p))
	}
	out := make([]V, len(parents))
	for i, p := range parents {
		v, err := l.Load(ctx, key(p))
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
