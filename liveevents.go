package main

import (
	"context"
	"time"

	"wms/db"
	"wms/events"
)

// runEvents starts this process's part of live stock: the hub that tails
// the outbox for subscriptions, the webhook dispatcher (every replica runs
// one; they share the work through the database), and the outbox's upkeep
// (pruning, the daily expiry scan).
func (m *Main) runEvents(ctx context.Context, store *db.Store) *events.Hub {
	hub := events.NewHub(store, m.Log)
	hub.Poll = m.Config.EventPoll
	m.metrics.observeSubscriptions(hub.Subscribers)
	webhooks := events.NewDispatcher(store, m.Config.WebhookAllowPrivate, m.Log)
	webhooks.Now = m.Now
	webhooks.Every = 2 * m.Config.EventPoll
	m.background.Add(3)
	go func() {
		defer m.background.Done()
		hub.Run(ctx)
	}()
	go func() {
		defer m.background.Done()
		webhooks.Run(ctx)
	}()
	go func() {
		defer m.background.Done()
		events.Maintain(ctx, store, m.Now, m.Config.EventRetention, m.Config.ExpiryWarn, time.Hour, m.Log)
	}()
	return hub
}
