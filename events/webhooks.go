package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/model"
)

// Dispatcher sends webhook deliveries: it makes them from the outbox,
// claims the due ones, POSTs each signed, and records the outcome. A 2xx
// within Timeout is success; anything else is tried again after an
// exponential backoff with jitter, for up to MaxAge, then FAILED.
// At-least-once: a delivery sent and then lost to a crash before its outcome
// was recorded is sent again after its lease.
type Dispatcher struct {
	Store *db.Store
	Log   zerolog.Logger
	Now   func() time.Time
	// Every is how often it looks for work; Timeout how long a receiver may
	// take; Lease how long a claimed delivery is not given to another
	// process; FirstRetry, MaxRetry and MaxAge shape the retries.
	Every, Timeout, Lease, FirstRetry, MaxRetry, MaxAge time.Duration
	// Client makes the requests (NewClient).
	Client *http.Client
	// Sweep is how often Run looks for due deliveries when the outbox has
	// not moved: retries that came due, and deliveries another replica made.
	Sweep time.Duration

	seen      int64
	nextSweep time.Time
}

// NewDispatcher returns a dispatcher with the usual timings; allowPrivate
// lets it call loopback and private addresses.
func NewDispatcher(s *db.Store, allowPrivate bool, log zerolog.Logger) *Dispatcher {
	return &Dispatcher{Store: s, Log: log, Now: time.Now, Every: 200 * time.Millisecond, Timeout: 10 * time.Second,
		Lease: time.Minute, FirstRetry: 10 * time.Second, MaxRetry: time.Hour, MaxAge: 24 * time.Hour, Sweep: 2 * time.Second,
		Client: NewClient(10*time.Second, allowPrivate)}
}

// ErrPrivateAddress refuses a webhook URL that points at this machine or a
// private network (server-side request forgery).
var ErrPrivateAddress = errors.New("the webhook URL resolves to a loopback, link-local or private address")

// NewClient is the HTTP client of webhooks: it follows no redirects and,
// unless allowPrivate, connects only to public addresses — checked on the
// address actually dialled, so a DNS answer cannot slip past the check.
func NewClient(timeout time.Duration, allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || !public(ip) {
				return ErrPrivateAddress
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2, ResponseHeaderTimeout: timeout},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func public(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast())
}

// Sign is the Wms-Signature of a delivery: sha256=<hex HMAC-SHA256 of
// "timestamp.body" under the webhook's secret>.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Run dispatches until ctx ends. Between sweeps it does the work only when
// the outbox has moved, so an idle server costs the database one small read
// per tick.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.Every)
	defer t.Stop()
	for {
		last, err := d.Store.LastEventID(ctx)
		if now := time.Now(); err != nil || last != d.seen || !now.Before(d.nextSweep) {
			d.seen, d.nextSweep = last, now.Add(d.Sweep)
			d.Once(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once makes the new deliveries and sends what is due, once.
func (d *Dispatcher) Once(ctx context.Context) {
	now := d.Now()
	if _, err := d.Store.FanOutDeliveries(ctx, now, 3*time.Second); err != nil && ctx.Err() == nil {
		d.Log.Warn().Err(err).Msg("webhooks: making deliveries")
	}
	for {
		claimed, err := d.Store.ClaimDeliveries(ctx, d.Now(), d.Lease, 20)
		if err != nil {
			if ctx.Err() == nil {
				d.Log.Warn().Err(err).Msg("webhooks: claiming deliveries")
			}
			return
		}
		if len(claimed) == 0 {
			return
		}
		done := make(chan struct{}, len(claimed))
		for _, c := range claimed {
			go func() {
				defer func() { done <- struct{}{} }()
				d.send(ctx, c)
			}()
		}
		for range claimed {
			<-done
		}
	}
}

// send makes one attempt and records it.
func (d *Dispatcher) send(ctx context.Context, c *db.Claimed) {
	if c.Webhook == nil || c.Event == nil {
		msg := "the webhook or the event is gone"
		_ = d.Store.FinishDelivery(ctx, c.Delivery, nil, &msg, false, time.Time{})
		return
	}
	body := []byte(fmt.Sprintf(`{"id":"%d","type":%q,"at":%q,"payload":%s}`, c.Event.ID, c.Event.Type,
		c.Event.At.UTC().Format(time.RFC3339Nano), c.Event.Payload))
	ts := strconv.FormatInt(d.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Webhook.URL, bytes.NewReader(body))
	var status *int
	var failure string
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "wms-webhooks")
		req.Header.Set("Wms-Event-Id", strconv.FormatInt(c.Event.ID, 10))
		req.Header.Set("Wms-Event-Type", string(c.Event.Type))
		req.Header.Set("Wms-Timestamp", ts)
		req.Header.Set("Wms-Signature", Sign(c.Webhook.Secret, ts, body))
		var resp *http.Response
		resp, err = d.Client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			code := resp.StatusCode
			status = &code
			if code >= 200 && code < 300 {
				if err := d.Store.FinishDelivery(ctx, c.Delivery, status, nil, true, time.Time{}); err != nil {
					d.Log.Warn().Err(err).Msg("webhooks: recording a delivery")
				}
				return
			}
			failure = fmt.Sprintf("the receiver answered %d", code)
		}
	}
	if err != nil {
		failure = err.Error()
		if len(failure) > 500 {
			failure = failure[:500]
		}
	}
	next := d.next(c.Delivery)
	if err := d.Store.FinishDelivery(ctx, c.Delivery, status, &failure, false, next); err != nil {
		d.Log.Warn().Err(err).Msg("webhooks: recording a delivery")
	}
}

// next is when to try a delivery again after its failed attempt: the
// backoff doubles from FirstRetry up to MaxRetry, with up to a fifth of
// jitter either way; zero (give up) once the delivery is MaxAge old.
func (d *Dispatcher) next(del *model.WebhookDelivery) time.Time {
	wait := d.FirstRetry << min(del.Attempts, 20)
	if wait <= 0 || wait > d.MaxRetry {
		wait = d.MaxRetry
	}
	wait += time.Duration((rand.Float64()*0.4 - 0.2) * float64(wait))
	next := d.Now().Add(wait)
	if next.Sub(del.CreatedAt) > d.MaxAge {
		return time.Time{}
	}
	return next
}

// CheckURL refuses, unless allowPrivate, a webhook URL whose host is or
// resolves to a loopback, link-local or private address.
func CheckURL(ctx context.Context, raw string, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !public(ip) {
			return ErrPrivateAddress
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("the webhook URL's host does not resolve: %w", err)
	}
	for _, a := range addrs {
		if !public(a.IP) {
			return ErrPrivateAddress
		}
	}
	return nil
}
