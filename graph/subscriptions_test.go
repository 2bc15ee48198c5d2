package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/events"
	"wms/graph"
)

// liveClient serves the API with an events hub, as the server does.
func liveClient(t *testing.T, s *db.Store) (*client, *events.Hub) {
	t.Helper()
	hub := events.NewHub(s, zerolog.Nop())
	hub.Poll = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go hub.Run(ctx)
	<-hub.Started()
	a := auth.NewService(s, 7*24*time.Hour, zerolog.Nop())
	a.CacheTTL = 0
	h := graph.NewHandler(&graph.Resolver{Store: s, Auth: a, Events: hub, Log: zerolog.Nop()}, graph.DefaultOptions)
	c := newClientFor(t, h)
	c.auth = a
	if _, _, err := a.Bootstrap(context.Background(), "admin", testPassword); err != nil {
		t.Fatal(err)
	}
	c.token = c.login("admin", testPassword)
	return c, hub
}

// wsConn is a graphql-transport-ws connection.
type wsConn struct {
	t  *testing.T
	c  *websocket.Conn
	ws string
}

func dialWS(t *testing.T, srv *httptest.Server, payload map[string]any) (*wsConn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	w := &wsConn{t: t, c: c}
	t.Cleanup(func() { _ = c.CloseNow() })
	w.send(map[string]any{"type": "connection_init", "payload": payload})
	m, err := w.read(5 * time.Second)
	if err != nil {
		return w, err
	}
	if m["type"] != "connection_ack" {
		return w, fmt.Errorf("got %v, want connection_ack", m)
	}
	return w, nil
}

func (w *wsConn) send(m map[string]any) {
	b, _ := json.Marshal(m)
	if err := w.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
}

// read returns the next message that is not a ping or pong.
func (w *wsConn) read(d time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		_, b, err := w.c.Read(ctx)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		if m["type"] == "ping" {
			w.send(map[string]any{"type": "pong"})
			continue
		}
		if m["type"] == "pong" || m["type"] == "ka" {
			continue
		}
		return m, nil
	}
}

func (w *wsConn) subscribe(id, query string) {
	w.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
}

// next reads the next data of a subscription.
func (w *wsConn) next(d time.Duration) map[string]any {
	w.t.Helper()
	m, err := w.read(d)
	if err != nil {
		w.t.Fatalf("waiting for an event: %v", err)
	}
	if m["type"] != "next" {
		w.t.Fatalf("got %v, want next", m)
	}
	return m["payload"].(map[string]any)
}

// A subscriber with a token hears of a stock-out as it commits; one without
// a token, or with a bad one, is closed with 4403; events(after:) replays
// what was missed; a failing stock-out writes no event.
func TestSubscriptions(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c, hub := liveClient(t, s)
		g := goodsFor(c, "Dairy", "Milk")
		afterGoods, err := s.LastEventID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "10", "unitCost": "2"}}}}, nil)
		caughtUp(t, s, hub)

		if _, err := dialWS(t, c.srv, map[string]any{}); err == nil || websocket.CloseStatus(err) != 4403 {
			t.Errorf("without a token: %v (status %d), want a 4403 close", err, websocket.CloseStatus(err))
		}
		if _, err := dialWS(t, c.srv, map[string]any{"Authorization": "Bearer wmss_nonsense"}); err == nil || websocket.CloseStatus(err) != 4403 {
			t.Errorf("with a bad token: %v, want a 4403 close", err)
		}
		w, err := dialWS(t, c.srv, map[string]any{"Authorization": "Bearer " + c.token})
		if err != nil {
			t.Fatal(err)
		}
		w.subscribe("1", `subscription { stockChanged { type onHand value goods { name } location { name } documentKind documentCode } }`)
		w.subscribe("2", `subscription { lowStock { type onHand threshold goods { name } } }`)
		time.Sleep(100 * time.Millisecond) // the subscriptions are registered
		var so struct{ StockOut struct{ Code string } }
		c.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "7"}}}}, &so)
		// goodsFor made the goods with a threshold of 4: 10 → 3 crosses it.
		got := map[string]map[string]any{}
		for range 2 {
			p := w.next(3 * time.Second)
			for k, v := range p["data"].(map[string]any) {
				got[k] = v.(map[string]any)
			}
		}
		if sc := got["stockChanged"]; sc["onHand"] != "3" || sc["value"] != "6.00" || sc["documentCode"] != so.StockOut.Code ||
			sc["documentKind"] != "STOCK_OUT" || sc["goods"].(map[string]any)["name"] != "Milk" {
			t.Errorf("stockChanged %v", sc)
		}
		if ls := got["lowStock"]; ls["type"] != "LOW_STOCK" || ls["onHand"] != "3" || ls["threshold"] != "4" {
			t.Errorf("lowStock %v", ls)
		}
		// A stock-out refused for lack of stock writes no event.
		c.fail(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "70"}}}}, "INSUFFICIENT_STOCK")
		if m, err := w.read(400 * time.Millisecond); err == nil {
			t.Errorf("an event after a refused stock-out: %v", m)
		}

		// events(after:) replays the gap, then goes on live.
		w2, err := dialWS(t, c.srv, map[string]any{"authorization": "Bearer " + c.token})
		if err != nil {
			t.Fatal(err)
		}
		w2.subscribe("1", fmt.Sprintf(`subscription { events(after: "%d", types: [DOCUMENT_CREATED]) { id type payload } }`, afterGoods))
		var seen []string
		for range 2 {
			n := w2.next(3 * time.Second)
			if n["data"] == nil {
				t.Fatalf("events: %v", n)
			}
			p := n["data"].(map[string]any)["events"].(map[string]any)
			seen = append(seen, p["payload"].(string))
		}
		if !strings.Contains(seen[0], `"kind":"STOCK_IN"`) || !strings.Contains(seen[1], so.StockOut.Code) {
			t.Errorf("replayed %q", seen)
		}
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "GIFT",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "0"}}}}, nil)
		live := w2.next(3 * time.Second)["data"].(map[string]any)["events"].(map[string]any)
		if live["type"] != "DOCUMENT_CREATED" || !strings.Contains(live["payload"].(string), `"kind":"STOCK_IN"`) {
			t.Errorf("live event %v", live)
		}
		w2.subscribe("2", `subscription { events(types: [NO_SUCH]) { id } }`)
		if m, err := w2.read(2 * time.Second); err != nil || m["type"] != "error" {
			t.Errorf("an unknown type: %v, %v", m, err)
		}
	})
}

// A subscriber that reads nothing is dropped when its queue fills; a fast
// one keeps getting every event meanwhile.
func TestSlowSubscriberDoesNotHoldUpOthers(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		hub := events.NewHub(s, zerolog.Nop())
		hub.Poll, hub.Queue = 10*time.Millisecond, 20
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go hub.Run(ctx)
		<-hub.Started()
		slow := hub.Subscribe(nil)
		fast := hub.Subscribe(nil)
		c := newClient(t, s)
		g := goodsFor(c, "Dry", "Rice")
		got := 0
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range fast.C {
				got++
				if got == 40 {
					return
				}
			}
		}()
		for range 20 {
			c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
				"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "1"}}}}, nil)
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("the fast subscriber got %d of 40 events", got)
		}
		select {
		case <-slow.Dropped:
		case <-time.After(time.Second):
			t.Error("the slow subscriber was not dropped")
		}
		if n := hub.Subscribers(); n != 1 {
			t.Errorf("%d subscribers left, want the fast one", n)
		}
	})
}

// caughtUp waits until the hub has handed out every event written so far.
func caughtUp(t *testing.T, s *db.Store, hub *events.Hub) {
	t.Helper()
	last, err := s.LastEventID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); hub.Position() < last; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the hub is at %d, the outbox at %d", hub.Position(), last)
		}
	}
}

// Webhooks through the API: ADMIN only, the secret shown once, private
// addresses and malformed URLs refused.
func TestWebhooksThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		c.fail(`mutation { createWebhook(input: {url: "http://127.0.0.1:9/hook", events: [STOCK_CHANGED]}) { secret } }`, nil, "BAD_USER_INPUT")
		c.fail(`mutation { createWebhook(input: {url: "ftp://example.com/hook", events: [STOCK_CHANGED]}) { secret } }`, nil, "BAD_USER_INPUT")
		c.fail(`mutation { createWebhook(input: {url: "https://93.184.215.14/hook", events: []}) { secret } }`, nil, "BAD_USER_INPUT")
		var made struct {
			CreateWebhook struct {
				Secret  string
				Webhook struct {
					ID     string
					Events []string
					Active bool
				}
			}
		}
		c.ok(`mutation { createWebhook(input: {url: "https://93.184.215.14/hook", events: [STOCK_CHANGED, LOW_STOCK], description: "POS"}) {
			secret webhook { id events active } } }`, nil, &made)
		if !strings.HasPrefix(made.CreateWebhook.Secret, "whsec_") || len(made.CreateWebhook.Webhook.Events) != 2 || !made.CreateWebhook.Webhook.Active {
			t.Fatalf("created %+v", made.CreateWebhook)
		}
		var list struct {
			Webhooks []struct{ URL, Description string }
		}
		c.ok(`{ webhooks { url description } }`, nil, &list)
		if len(list.Webhooks) != 1 || list.Webhooks[0].Description != "POS" {
			t.Errorf("webhooks %+v", list.Webhooks)
		}
		var upd struct{ UpdateWebhook struct{ Active bool } }
		c.ok(`mutation($id: ID!) { updateWebhook(input: {id: $id, active: false}) { active } }`, map[string]any{"id": made.CreateWebhook.Webhook.ID}, &upd)
		if upd.UpdateWebhook.Active {
			t.Error("updateWebhook did not deactivate")
		}
		c.ok(`mutation { createUser(input: {username: "clara", password: "clerk-password", role: CLERK}) { id } }`, nil, nil)
		clerk := c.as(c.login("clara", "clerk-password"))
		clerk.fail(`{ webhooks { url } }`, nil, "FORBIDDEN")
		var del struct{ DeleteWebhook string }
		c.ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, map[string]any{"id": made.CreateWebhook.Webhook.ID}, &del)
		c.ok(`{ webhooks { url description } }`, nil, &list)
		if len(list.Webhooks) != 0 {
			t.Errorf("after delete: %+v", list.Webhooks)
		}
	})
}
