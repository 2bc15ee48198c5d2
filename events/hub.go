// Package events tails the outbox (the events table every document writes
// in its own transaction) and hands what it reads to this process's
// subscribers and to the webhook dispatcher.
package events

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"wms/model"
)

// Source is where events are read from: the Store.
type Source interface {
	EventsAfter(ctx context.Context, after int64, limit int) ([]*model.Event, error)
	LastEventID(ctx context.Context) (int64, error)
}

// Hub tails the outbox by id and fans each event out to the subscribers of
// this process. Every replica runs its own, so a client connected to
// replica A hears of a stock-out written through replica B.
//
// Ids are handed out when a transaction inserts its events, not when it
// commits: on MySQL a later id may commit first. The hub therefore delivers
// every event it has not delivered yet whatever its id, and moves its
// position (all ids up to it seen) past a missing id only once that id has
// been missing for Grace — a transaction rolled back leaves its ids unused
// for ever.
type Hub struct {
	src Source
	log zerolog.Logger
	// Poll is how often the outbox is read; Grace how long a missing id is
	// waited for; Queue how many events a subscriber may have waiting
	// before it is dropped as too slow.
	Poll, Grace time.Duration
	Queue       int

	mu       sync.Mutex
	subs     map[*Subscriber]struct{}
	last     int64
	ahead    map[int64]bool // delivered ids above last
	gapSince time.Time
	started  chan struct{}
}

// NewHub returns a hub over src; Run starts it.
func NewHub(src Source, log zerolog.Logger) *Hub {
	return &Hub{src: src, log: log, Poll: 100 * time.Millisecond, Grace: 3 * time.Second, Queue: 256,
		subs: map[*Subscriber]struct{}{}, ahead: map[int64]bool{}, started: make(chan struct{})}
}

// Subscriber is one listener: its events arrive on C; when it falls more
// than the hub's Queue behind, Dropped closes and it gets nothing more.
type Subscriber struct {
	C       chan *model.Event
	Dropped chan struct{}
	want    func(*model.Event) bool
	once    sync.Once
}

// Subscribe adds a listener for the events want accepts (nil: all).
func (h *Hub) Subscribe(want func(*model.Event) bool) *Subscriber {
	s := &Subscriber{C: make(chan *model.Event, h.Queue), Dropped: make(chan struct{}), want: want}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes a listener.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Subscribers counts the listeners, for /metrics.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Position is the id up to which every event has been handed out.
func (h *Hub) Position() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Started closes once the hub knows where the outbox ends.
func (h *Hub) Started() <-chan struct{} { return h.started }

// Run tails the outbox until ctx ends, starting after its newest event.
func (h *Hub) Run(ctx context.Context) {
	for {
		last, err := h.src.LastEventID(ctx)
		if err == nil {
			h.mu.Lock()
			h.last = last
			h.mu.Unlock()
			break
		}
		h.log.Warn().Err(err).Msg("events: cannot read the outbox; trying again")
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	close(h.started)
	t := time.NewTicker(h.Poll)
	defer t.Stop()
	for {
		if err := h.poll(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn().Err(err).Msg("events: reading the outbox")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll reads what is new and hands it out.
func (h *Hub) poll(ctx context.Context) error {
	for {
		h.mu.Lock()
		from := h.last
		h.mu.Unlock()
		es, err := h.src.EventsAfter(ctx, from, 500)
		if err != nil {
			return err
		}
		h.deliver(es, time.Now())
		if len(es) < 500 {
			return nil
		}
	}
}

func (h *Hub) deliver(es []*model.Event, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range es {
		if e.ID <= h.last || h.ahead[e.ID] {
			continue
		}
		h.ahead[e.ID] = true
		for s := range h.subs {
			if s.want != nil && !s.want(e) {
				continue
			}
			select {
			case s.C <- e:
			default:
				// Too slow: drop it rather than hold up the others.
				delete(h.subs, s)
				s.once.Do(func() { close(s.Dropped) })
				h.log.Warn().Int("queued", h.Queue).Msg("events: a subscriber fell behind and was dropped")
			}
		}
	}
	for {
		for h.ahead[h.last+1] {
			delete(h.ahead, h.last+1)
			h.last++
			h.gapSince = time.Time{}
		}
		if len(h.ahead) == 0 {
			h.gapSince = time.Time{}
			return
		}
		// An id is missing below ids already seen.
		if h.gapSince.IsZero() {
			h.gapSince = now
			return
		}
		if now.Sub(h.gapSince) < h.Grace {
			return
		}
		h.last++ // rolled back, or committed too late to wait for
		h.gapSince = now
	}
}
