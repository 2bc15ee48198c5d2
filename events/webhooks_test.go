package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
	"wms/events"
	"wms/model"
)

var ctx = context.Background()

// receiver records the deliveries it gets, verifying each signature.
type receiver struct {
	mu     sync.Mutex
	got    []map[string]any
	status int
	bad    int
	srv    *httptest.Server
}

func newReceiver(t *testing.T, secret *string) *receiver {
	r := &receiver{status: 200}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if events.Sign(*secret, req.Header.Get("Wms-Timestamp"), body) != req.Header.Get("Wms-Signature") {
			r.bad++
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		m["header-type"] = req.Header.Get("Wms-Event-Type")
		if r.status >= 200 && r.status < 300 {
			r.got = append(r.got, m)
		}
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func shop(t *testing.T, s *db.Store) *model.Goods {
	t.Helper()
	c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "Dry"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateGoods(ctx, model.GoodsInput{Name: "Rice", CategoryID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase,
		Lines: []*model.StockInLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("100"), UnitCost: model.MustUnitCost("1")}}}); err != nil {
		t.Fatal(err)
	}
	return g
}

func stockOut(t *testing.T, s *db.Store, g *model.Goods) *model.StockOut {
	t.Helper()
	d, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume,
		Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Deliveries are signed, in event order, made even from events written
// while no dispatcher ran (a server killed between commit and delivery),
// and sent once by two dispatchers sharing the database.
func TestWebhooksDeliverOnceInOrderSigned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		s := db.NewStore(bdb)
		g := shop(t, s)
		first := events.NewDispatcher(s, true, zerolog.Nop())
		first.Once(ctx) // the dispatcher ran once: the outbox is known from here
		secret := "whsec_test"
		r := newReceiver(t, &secret)
		if _, err := s.CreateWebhook(ctx, model.WebhookInput{URL: r.srv.URL, Events: []model.EventType{model.EventDocumentCreated}}, secret); err != nil {
			t.Fatal(err)
		}
		// Written while no dispatcher runs.
		var codes []string
		for range 5 {
			codes = append(codes, stockOut(t, s, g).Code)
		}
		// Two processes' dispatchers, each on its own pool, at once.
		other := db.NewStore(dbtest.Reopen(t, bdb))
		ds := []*events.Dispatcher{events.NewDispatcher(s, true, zerolog.Nop()), events.NewDispatcher(other, true, zerolog.Nop())}
		var wg sync.WaitGroup
		for _, d := range ds {
			wg.Go(func() {
				for range 5 {
					d.Once(ctx)
				}
			})
		}
		wg.Wait()
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.bad != 0 {
			t.Errorf("%d deliveries with a bad signature", r.bad)
		}
		if len(r.got) != len(codes) {
			t.Fatalf("%d deliveries of %d events: %v", len(r.got), len(codes), r.got)
		}
		for i, m := range r.got {
			p := m["payload"].(map[string]any)
			if p["code"] != codes[i] || m["type"] != "DOCUMENT_CREATED" || m["header-type"] != "DOCUMENT_CREATED" {
				t.Errorf("delivery %d: %v, want %s", i, m, codes[i])
			}
		}
	})
}

// A receiver that fails is tried again later, each time further apart, and
// given up on after the delivery's maximum age; one that hangs times out.
func TestWebhookRetriesBackOffAndStop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		s := db.NewStore(bdb)
		g := shop(t, s)
		now := time.Now()
		d := events.NewDispatcher(s, true, zerolog.Nop())
		d.Now = func() time.Time { return now }
		d.FirstRetry, d.MaxRetry, d.MaxAge = time.Minute, 10*time.Minute, time.Hour
		d.Once(ctx)
		secret := "s"
		r := newReceiver(t, &secret)
		r.status = 500
		w, err := s.CreateWebhook(ctx, model.WebhookInput{URL: r.srv.URL, Events: []model.EventType{model.EventStockChanged}}, secret)
		if err != nil {
			t.Fatal(err)
		}
		stockOut(t, s, g)
		var waits []time.Duration
		for range 12 {
			d.Once(ctx)
			p, err := s.WebhookDeliveries(ctx, w.ID, nil, model.PageArgs{})
			if err != nil || len(p.Items) != 1 {
				t.Fatalf("deliveries %v, %v", p, err)
			}
			del := p.Items[0]
			if del.Status == model.DeliveryFailed {
				break
			}
			waits = append(waits, del.NextAttemptAt.Sub(now))
			now = del.NextAttemptAt
		}
		p, _ := s.WebhookDeliveries(ctx, w.ID, nil, model.PageArgs{})
		del := p.Items[0]
		if del.Status != model.DeliveryFailed || del.LastStatus == nil || *del.LastStatus != 500 {
			t.Fatalf("after the retries: %+v", del)
		}
		for i := 1; i < len(waits); i++ {
			if waits[i] < waits[i-1] && waits[i] < d.MaxRetry*8/10 {
				t.Errorf("waits %v do not grow", waits)
			}
		}
		if len(waits) < 3 {
			t.Errorf("only %d retries within an hour: %v", len(waits), waits)
		}
		// Redelivered to a receiver that now answers, it arrives.
		r.mu.Lock()
		r.status = 204
		r.mu.Unlock()
		if _, err := s.Redeliver(ctx, del.ID); err != nil {
			t.Fatal(err)
		}
		d.Now = time.Now
		d.Once(ctx)
		p, _ = s.WebhookDeliveries(ctx, w.ID, ptr(model.DeliveryDelivered), model.PageArgs{})
		if len(p.Items) != 1 {
			t.Errorf("redelivered: %d delivered", len(p.Items))
		}
		// A receiver that hangs is cut off by the timeout and tried again.
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(2 * time.Second) }))
		defer hang.Close()
		slow := events.NewDispatcher(s, true, zerolog.Nop())
		slow.Client = events.NewClient(200*time.Millisecond, true)
		if _, err := s.UpdateWebhook(ctx, model.WebhookUpdate{ID: w.ID, URL: &hang.URL}); err != nil {
			t.Fatal(err)
		}
		stockOut(t, s, g)
		start := time.Now()
		slow.Once(ctx)
		if time.Since(start) > 1500*time.Millisecond {
			t.Errorf("a hanging receiver held the dispatcher %v", time.Since(start))
		}
		p, _ = s.WebhookDeliveries(ctx, w.ID, ptr(model.DeliveryPending), model.PageArgs{})
		if len(p.Items) != 1 || p.Items[0].LastError == nil {
			t.Errorf("after a hanging receiver: %+v", p.Items)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// URLs that point at this machine or a private network are refused, when
// the webhook is made and when it is called.
func TestWebhookSSRF(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:9/x", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/latest", "http://localhost:8080/"} {
		if err := events.CheckURL(ctx, u, false); !errors.Is(err, events.ErrPrivateAddress) {
			t.Errorf("%s: %v, want refused", u, err)
		}
		if err := events.CheckURL(ctx, u, true); err != nil {
			t.Errorf("%s allowed: %v", u, err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, err := events.NewClient(time.Second, false).Get(srv.URL)
	if !errors.Is(err, events.ErrPrivateAddress) {
		t.Errorf("dialling loopback: %v", err)
	}
	redirect := httptest.NewServer(http.RedirectHandler("http://example.invalid/", http.StatusFound))
	defer redirect.Close()
	resp, err := events.NewClient(time.Second, true).Get(redirect.URL)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Errorf("a redirect was followed: %v, %v", resp, err)
	}
}
