package main

import (
	"context"
	"net/http"
	"time"

	"wms/db"
)

// readyz answers 200 when the database answers and is migrated and the media
// store can take a file, else 503 with a short reason. Anyone may ask, so
// the reason never carries the driver's or the file system's words (a host
// and port, a path): those go to the log.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	a := m.app.Load()
	if a == nil {
		reason := "starting"
		if p := m.waiting.Load(); p != nil {
			reason = *p
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting", "reason": reason})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if reason := a.notReady(ctx, m); reason != "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// notReady says why the app cannot serve fully, logging the details, or "".
func (a *app) notReady(ctx context.Context, m *Main) string {
	if err := a.store.Ping(ctx); err != nil {
		m.Log.Warn().Err(err).Msg("not ready: database unreachable")
		return "database unreachable"
	}
	pending, err := db.Pending(ctx, a.db)
	if err != nil {
		m.Log.Warn().Err(err).Msg("not ready: cannot read the applied migrations")
		return "cannot read the migrations"
	}
	if len(pending) > 0 {
		m.Log.Warn().Strs("pending", pending).Msg("not ready: migrations not applied")
		return "migrations not applied"
	}
	// A full disk or a read-only folder: uploads and reports would fail.
	if err := a.files.CheckWritable(ctx); err != nil {
		m.Log.Warn().Err(err).Msg("not ready: the media store cannot be written")
		return "media store not writable"
	}
	return ""
}
