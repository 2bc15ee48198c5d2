package model

import (
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Webhook is a receiver of events: each event of its types is POSTed to its
// URL, signed with its secret.
type Webhook struct {
	bun.BaseModel `bun:"table:webhooks,alias:wh"`

	ID  int64  `bun:"id,pk,autoincrement"`
	URL string `bun:"url,notnull"`
	// Events is the types it receives, comma-separated.
	Events      string    `bun:"events,notnull"`
	Description *string   `bun:"description"`
	Secret      string    `bun:"secret,notnull" json:"-"`
	Active      bool      `bun:"active,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

// Types is the event types the webhook receives.
func (w *Webhook) Types() []EventType {
	var out []EventType
	for _, t := range strings.Split(w.Events, ",") {
		if t != "" {
			out = append(out, EventType(t))
		}
	}
	return out
}

// Wants reports whether the webhook receives events of type t.
func (w *Webhook) Wants(t EventType) bool {
	for _, k := range w.Types() {
		if k == t {
			return true
		}
	}
	return false
}

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "PENDING"
	DeliveryDelivered DeliveryStatus = "DELIVERED"
	DeliveryFailed    DeliveryStatus = "FAILED"
)

// WebhookDelivery is one event for one webhook: tried until the receiver
// answers 2xx, or for a day.
type WebhookDelivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:wd"`

	ID            int64          `bun:"id,pk,autoincrement"`
	WebhookID     int64          `bun:"webhook_id,notnull"`
	EventID       int64          `bun:"event_id,notnull"`
	Status        DeliveryStatus `bun:"status,notnull"`
	Attempts      int            `bun:"attempts,notnull"`
	NextAttemptAt time.Time      `bun:"next_attempt_at,notnull"`
	LastStatus    *int           `bun:"last_status"`
	LastError     *string        `bun:"last_error"`
	DeliveredAt   *time.Time     `bun:"delivered_at"`
	CreatedAt     time.Time      `bun:"created_at,notnull"`
}

// WebhookInput is what createWebhook takes.
type WebhookInput struct {
	URL         string      `json:"url"`
	Events      []EventType `json:"events"`
	Description *string     `json:"description"`
}

// WebhookUpdate is what updateWebhook takes; fields left out stay.
type WebhookUpdate struct {
	ID          int64       `json:"id"`
	URL         *string     `json:"url"`
	Events      []EventType `json:"events"`
	Description *string     `json:"description"`
	Active      *bool       `json:"active"`
}

// WebhookURL checks a webhook's URL: absolute http or https, at most 2000
// characters. Where it points is checked when it is called.
func WebhookURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2000 || u.User != nil {
		return "", Invalid("url", "a webhook URL is an absolute http:// or https:// URL without credentials, at most 2000 characters")
	}
	return s, nil
}

// WebhookEvents checks the event types of a webhook: at least one, each
// known; answered comma-separated.
func WebhookEvents(ts []EventType) (string, error) {
	if len(ts) == 0 {
		return "", Invalid("events", "name at least one event type")
	}
	var out []string
	for i, t := range ts {
		if !t.Valid() {
			return "", Invalid("events", "unknown event type %q (at %d)", t, i)
		}
		if !strings.Contains(","+strings.Join(out, ",")+",", ","+string(t)+",") {
			out = append(out, string(t))
		}
	}
	return strings.Join(out, ","), nil
}
