package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// Webhooks and their deliveries. Deliveries are made from the outbox by
// whichever process holds the "webhooks" cursor row (FanOutDeliveries), and
// claimed one at a time per webhook, oldest first, by whichever process gets
// there first (ClaimDeliveries: FOR UPDATE SKIP LOCKED on MySQL; SQLite
// serves one process), so each is sent by one process and a webhook's
// events go out in order.

// CreateWebhook stores a webhook with its signing secret.
func (s *Store) CreateWebhook(ctx context.Context, in model.WebhookInput, secret string) (*model.Webhook, error) {
	u, err := model.WebhookURL(in.URL)
	if err != nil {
		return nil, err
	}
	evs, err := model.WebhookEvents(in.Events)
	if err != nil {
		return nil, err
	}
	desc, err := model.OptionalText("description", in.Description, 500)
	if err != nil {
		return nil, err
	}
	now := s.now()
	w := &model.Webhook{URL: u, Events: evs, Description: desc, Secret: secret, Active: true, CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(w).Exec(ctx); err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return w, nil
}

// UpdateWebhook changes what is set of in.
func (s *Store) UpdateWebhook(ctx context.Context, in model.WebhookUpdate) (*model.Webhook, error) {
	w, err := s.Webhook(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if in.URL != nil {
		if w.URL, err = model.WebhookURL(*in.URL); err != nil {
			return nil, err
		}
	}
	if in.Events != nil {
		if w.Events, err = model.WebhookEvents(in.Events); err != nil {
			return nil, err
		}
	}
	if in.Description != nil {
		if w.Description, err = model.OptionalText("description", in.Description, 500); err != nil {
			return nil, err
		}
	}
	if in.Active != nil {
		w.Active = *in.Active
	}
	w.UpdatedAt = s.now()
	_, err = s.db.NewUpdate().Model(w).Column("url", "events", "description", "active", "updated_at").WherePK().Exec(ctx)
	return w, err
}

// DeleteWebhook removes a webhook and its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	if _, err := s.Webhook(ctx, id); err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*model.WebhookDelivery)(nil)).Where("webhook_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewDelete().Model((*model.Webhook)(nil)).Where("id = ?", id).Exec(ctx)
		return err
	})
}

// Webhook returns one webhook, or NOT_FOUND.
func (s *Store) Webhook(ctx context.Context, id int64) (*model.Webhook, error) {
	w := new(model.Webhook)
	if err := s.db.NewSelect().Model(w).Where("wh.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("webhook", id))
	}
	return w, nil
}

// Webhooks lists every webhook.
func (s *Store) Webhooks(ctx context.Context) ([]*model.Webhook, error) {
	var ws []*model.Webhook
	err := s.db.NewSelect().Model(&ws).OrderExpr("wh.id").Scan(ctx)
	return ws, err
}

var deliveryOrder = listOrder{name: "DELIVERY", desc: true, cols: []sortCol{{"wd.id", kindInt}}}

// WebhookDeliveries lists a webhook's deliveries, newest first, of one
// status or all.
func (s *Store) WebhookDeliveries(ctx context.Context, webhookID int64, status *model.DeliveryStatus, p model.PageArgs) (*model.Page[*model.WebhookDelivery], error) {
	if status != nil && *status != model.DeliveryPending && *status != model.DeliveryDelivered && *status != model.DeliveryFailed {
		return nil, model.Invalid("status", "unknown delivery status %q", *status)
	}
	base := func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.WebhookDelivery)(nil)).Where("wd.webhook_id = ?", webhookID)
		if status != nil {
			q = q.Where("wd.status = ?", *status)
		}
		return q
	}
	return page(ctx, base, p, deliveryOrder, func(d *model.WebhookDelivery) []any { return []any{d.ID} })
}

// Redeliver sends a delivery again, from its next chance now.
func (s *Store) Redeliver(ctx context.Context, id int64) (*model.WebhookDelivery, error) {
	d := new(model.WebhookDelivery)
	if err := s.db.NewSelect().Model(d).Where("wd.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("webhook delivery", id))
	}
	d.Status, d.NextAttemptAt, d.CreatedAt = model.DeliveryPending, s.now(), s.now()
	_, err := s.db.NewUpdate().Model(d).Column("status", "next_attempt_at", "created_at").WherePK().Exec(ctx)
	return d, err
}

// deliveryCursor is the outbox position up to which deliveries are made.
const deliveryCursor = "webhooks"

// FanOutDeliveries makes the deliveries of the events after the cursor, for
// every active webhook that wants them, and moves the cursor — in one
// transaction that holds the cursor row, so one process does it at a time
// and a crash loses nothing. An id missing below later ones is waited for
// for grace (its transaction may still commit), then passed.
func (s *Store) FanOutDeliveries(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	made := 0
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		made = 0
		var cur struct {
			bun.BaseModel `bun:"table:event_cursors,alias:ec"`
			Name          string `bun:"name,pk"`
			LastID        int64  `bun:"last_id,notnull"`
		}
		err := forUpdate(tx.NewSelect().Model(&cur).Where("ec.name = ?", deliveryCursor)).Scan(ctx)
		if err != nil {
			if ignoreNoRows(err) != nil {
				return err
			}
			// The first time: from the newest event on.
			var last *int64
			if err := tx.NewSelect().Model((*model.Event)(nil)).ColumnExpr("MAX(ev.id)").Scan(ctx, &last); err != nil {
				return err
			}
			cur.Name = deliveryCursor
			if last != nil {
				cur.LastID = *last
			}
			_, err := tx.NewInsert().Model(&cur).Exec(ctx)
			return err
		}
		var es []*model.Event
		if err := tx.NewSelect().Model(&es).Where("ev.id > ?", cur.LastID).OrderExpr("ev.id").Limit(500).Scan(ctx); err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		var hooks []*model.Webhook
		if err := tx.NewSelect().Model(&hooks).Where("wh.active = TRUE").OrderExpr("wh.id").Scan(ctx); err != nil {
			return err
		}
		var ds []*model.WebhookDelivery
		last := cur.LastID
		for _, e := range es {
			if e.ID != last+1 && now.Sub(e.At) < grace {
				break // wait for the missing id
			}
			last = e.ID
			for _, h := range hooks {
				if h.Wants(e.Type) {
					ds = append(ds, &model.WebhookDelivery{WebhookID: h.ID, EventID: e.ID, Status: model.DeliveryPending,
						NextAttemptAt: now, CreatedAt: now})
				}
			}
		}
		if len(ds) > 0 {
			if _, err := tx.NewInsert().Model(&ds).Exec(ctx); err != nil {
				return err
			}
		}
		made = len(ds)
		_, err = tx.NewUpdate().Model(&cur).Set("last_id = ?", last).WherePK().Exec(ctx)
		return err
	})
	return made, err
}

// Claimed is a delivery taken for sending, with what it sends.
type Claimed struct {
	Delivery *model.WebhookDelivery
	Webhook  *model.Webhook
	Event    *model.Event
}

// ClaimDeliveries takes up to limit due deliveries — for each webhook only
// its oldest pending one, so its events go out in order — and leases them
// for lease: no other process takes them meanwhile.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Claimed, error) {
	var out []*Claimed
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		out = nil
		var ds []*model.WebhookDelivery
		q := tx.NewSelect().Model(&ds).Where("wd.status = ?", model.DeliveryPending).Where("wd.next_attempt_at <= ?", now.UTC()).
			Where(`NOT EXISTS (SELECT 1 FROM webhook_deliveries AS older WHERE older.webhook_id = wd.webhook_id
				AND older.status = ? AND older.id < wd.id)`, model.DeliveryPending).
			OrderExpr("wd.id").Limit(int64(limit))
		if isMySQL(tx) {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil || len(ds) == 0 {
			return err
		}
		ids := make([]int64, len(ds))
		hookIDs := make([]int64, len(ds))
		eventIDs := make([]int64, len(ds))
		for i, d := range ds {
			ids[i], hookIDs[i], eventIDs[i] = d.ID, d.WebhookID, d.EventID
		}
		_, err := tx.NewUpdate().Model((*model.WebhookDelivery)(nil)).Set("next_attempt_at = ?", now.Add(lease).UTC()).
			Where("id IN (?)", bun.List(ids)).Exec(ctx)
		if err != nil {
			return err
		}
		var hooks []*model.Webhook
		if err := tx.NewSelect().Model(&hooks).Where("wh.id IN (?)", bun.List(hookIDs)).Scan(ctx); err != nil {
			return err
		}
		var es []*model.Event
		if err := tx.NewSelect().Model(&es).Where("ev.id IN (?)", bun.List(eventIDs)).Scan(ctx); err != nil {
			return err
		}
		hm := byID(hooks, func(w *model.Webhook) int64 { return w.ID })
		em := byID(es, func(e *model.Event) int64 { return e.ID })
		for _, d := range ds {
			out = append(out, &Claimed{Delivery: d, Webhook: hm[d.WebhookID], Event: em[d.EventID]})
		}
		return nil
	})
	return out, err
}

// FinishDelivery records an attempt: delivered, to try again at next, or
// (next zero) failed for good.
func (s *Store) FinishDelivery(ctx context.Context, d *model.WebhookDelivery, status *int, errText *string, delivered bool, next time.Time) error {
	d.Attempts++
	d.LastStatus, d.LastError = status, errText
	switch {
	case delivered:
		now := s.now()
		d.Status, d.DeliveredAt = model.DeliveryDelivered, &now
	case next.IsZero():
		d.Status = model.DeliveryFailed
	default:
		d.NextAttemptAt = next.UTC()
	}
	_, err := s.db.NewUpdate().Model(d).Column("status", "attempts", "next_attempt_at", "last_status", "last_error", "delivered_at").
		WherePK().Exec(ctx)
	return err
}
