package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"wms/auth"
	"wms/events"
	"wms/model"
)

// Subscriptions: each listens on the process's events hub, which tails the
// outbox; a subscriber that falls too far behind is dropped and its
// connection closed with a reason, never holding up the others.

// stockFilter selects stock events for a subscription.
type stockFilter struct {
	goods    []int64
	location *int64
	category *int64
	// anyLocation: with no location asked, stockChanged reports every
	// location; lowStock reports the totals (location null).
	anyLocation bool
}

func (f stockFilter) wants(e *model.StockChangeEvent) bool {
	if len(f.goods) > 0 && !slices.Contains(f.goods, e.GoodsID) {
		return false
	}
	switch {
	case f.location != nil:
		return e.LocationID != nil && *e.LocationID == *f.location
	case !f.anyLocation:
		return e.LocationID == nil
	}
	return true
}

func (r *subscriptionResolver) hub() (*events.Hub, error) {
	if r.Resolver.Events == nil {
		return nil, model.Errorf(model.CodeUnavailable, "subscriptions are not served by this process")
	}
	return r.Resolver.Events, nil
}

// stockEvents streams the stock events of the types f selects.
func (r *subscriptionResolver) stockEvents(ctx context.Context, f stockFilter, types ...model.EventType) (<-chan *model.StockChangeEvent, error) {
	h, err := r.hub()
	if err != nil {
		return nil, err
	}
	sub := h.Subscribe(func(e *model.Event) bool { return slices.Contains(types, e.Type) })
	out := make(chan *model.StockChangeEvent, 1)
	categories := map[int64]int64{}
	go func() {
		defer close(out)
		defer h.Unsubscribe(sub)
		for {
			var e *model.Event
			select {
			case <-ctx.Done():
				return
			case <-sub.Dropped:
				closeConnection(ctx)
				return
			case e = <-sub.C:
			}
			c, ok := model.ReadStockChange(e)
			if !ok || !f.wants(c) {
				continue
			}
			if f.category != nil {
				cat, known := categories[c.GoodsID]
				if !known {
					g, err := r.Store.Goods(ctx, c.GoodsID)
					if err == nil {
						cat = g.CategoryID
					}
					categories[c.GoodsID] = cat
				}
				if cat != *f.category {
					continue
				}
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// allEvents streams events of these types (all when none), replaying those
// after `after` from the outbox first.
func (r *subscriptionResolver) allEvents(ctx context.Context, types []model.EventType, after *int64) (<-chan *model.Event, error) {
	for i, t := range types {
		if !t.Valid() {
			return nil, model.Invalid(fmt.Sprintf("types.%d", i), "unknown event type %q", t)
		}
	}
	h, err := r.hub()
	if err != nil {
		return nil, err
	}
	want := func(e *model.Event) bool { return len(types) == 0 || slices.Contains(types, e.Type) }
	sub := h.Subscribe(want)
	out := make(chan *model.Event, 1)
	send := func(e *model.Event) bool {
		select {
		case out <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(out)
		defer h.Unsubscribe(sub)
		var sent int64
		if after != nil {
			// The gap first, from the outbox; what the hub hands out
			// meanwhile waits in the subscriber's queue.
			sent = *after
			for {
				es, err := r.Store.EventsAfter(ctx, sent, 500)
				if err != nil {
					r.Log.Warn().Err(err).Msg("events: replay")
					return
				}
				for _, e := range es {
					sent = e.ID
					if want(e) && !send(e) {
						return
					}
				}
				if len(es) < 500 {
					break
				}
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-sub.Dropped:
				closeConnection(ctx)
				return
			case e := <-sub.C:
				if e.ID <= sent {
					continue
				}
				if !send(e) {
					return
				}
			}
		}
	}()
	return out, nil
}

type connectionCancelKey struct{}

// closeConnection ends the websocket connection of ctx (see wsInit), with
// the reason it was given when it opened.
func closeConnection(ctx context.Context) {
	if cancel, ok := ctx.Value(connectionCancelKey{}).(context.CancelFunc); ok {
		cancel()
	}
}

// slowReason is why the server closes a connection whose subscription fell
// behind.
const slowReason = "too slow: a subscription of this connection fell more than 256 events behind, and the server closed it"

// wsInit authenticates a websocket connection from connection_init's
// payload: {"Authorization": "Bearer <token>"} (any case of the key). A
// missing or bad token ends the connection with 4403 Forbidden, as
// graphql-transport-ws asks.
func wsInit(a *auth.Service) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		h := p.Authorization()
		if h == "" {
			for k, v := range p {
				if s, ok := v.(string); ok && (k == "authorization" || k == "Authorization") {
					h = s
				}
			}
		}
		secret := h
		if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
			secret = h[7:]
		}
		if secret == "" {
			return transport.WithWebsocketCloseCode(ctx, 4403), nil, model.Errorf(model.CodeUnauthenticated, "send Authorization: Bearer <token> in connection_init's payload")
		}
		c, err := a.Authenticate(ctx, secret)
		if err != nil {
			return transport.WithWebsocketCloseCode(ctx, 4403), nil, err
		}
		ctx = auth.WithCaller(ctx, c)
		ctx, cancel := context.WithCancel(transport.AppendCloseReason(ctx, slowReason))
		return context.WithValue(ctx, connectionCancelKey{}, cancel), nil, nil
	}
}

// webhookSecret is a new webhook's signing secret: 32 random bytes.
func webhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

// checkWebhookURL refuses a webhook URL pointing at a private address,
// unless allowed (events.CheckURL).
func (r *Resolver) checkWebhookURL(ctx context.Context, url string) error {
	return events.CheckURL(ctx, url, r.WebhookAllowPrivate)
}
