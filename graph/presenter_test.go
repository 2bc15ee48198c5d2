package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"wms/model"
)

func presented(t *testing.T, err error) (*gqlerror.Error, string, string) {
	t.Helper()
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).WithContext(graphql.WithResponseContext(context.Background(), presentError, recoverPanic))
	e := presentError(ctx, err)
	b, _ := json.Marshal(e)
	return e, string(b), logs.String()
}

func TestPresentErrorKeepsDomainCodes(t *testing.T) {
	for _, tc := range []struct {
		err   error
		code  string
		field string
	}{
		{model.Invalid("name", "name is required"), "BAD_USER_INPUT", "name"},
		{fmt.Errorf("create: %w", model.NotFound("goods", 7)), "NOT_FOUND", ""},
		{model.Conflict("taken"), "CONFLICT", ""},
		{model.Errorf(model.CodeForbidden, "no"), "FORBIDDEN", ""},
		{&model.InsufficientStockError{GoodsID: 3, Requested: 2000, Available: 1500, Field: "lines.0.quantity"}, "INSUFFICIENT_STOCK", "lines.0.quantity"},
		{&model.DecimalError{}, "BAD_USER_INPUT", ""},
		{context.DeadlineExceeded, "UNAVAILABLE", ""},
		{fmt.Errorf("login: %w", &model.TooManyAttemptsError{Message: "wait", RetryAfter: time.Second}), "TOO_MANY_ATTEMPTS", ""},
	} {
		e, raw, _ := presented(t, tc.err)
		if e.Extensions["code"] != tc.code {
			t.Errorf("%v: code %v, want %s (%s)", tc.err, e.Extensions["code"], tc.code, raw)
		}
		if f, _ := e.Extensions["field"].(string); f != tc.field {
			t.Errorf("%v: field %q, want %q", tc.err, f, tc.field)
		}
	}
	e, _, _ := presented(t, &model.InsufficientStockError{GoodsID: 3, Requested: 2000, Available: 1500})
	if e.Extensions["goodsId"] != "3" || e.Extensions["requested"] != "2" || e.Extensions["available"] != "1.5" {
		t.Errorf("insufficient stock extensions %v", e.Extensions)
	}
	// The wait is whole seconds, rounded up, at least one.
	for wait, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1500 * time.Millisecond: 2, 15 * time.Minute: 900} {
		e, raw, _ := presented(t, &model.TooManyAttemptsError{Message: "too many failed logins", RetryAfter: wait})
		if e.Extensions["retryAfter"] != want || e.Message != "too many failed logins" {
			t.Errorf("wait %v presented as %s, want retryAfter %d", wait, raw, want)
		}
	}
}

func TestPresentErrorLeaksNothing(t *testing.T) {
	for _, err := range []error{
		errors.New("Error 1064 (42000): You have an error in your SQL syntax near 'SELECT * FROM goods WHERE'"),
		fmt.Errorf("write goods: %w", errors.New("sql: database is closed")),
		fmt.Errorf("open /var/lib/wms/data/wms.db: permission denied"),
	} {
		e, raw, logs := presented(t, err)
		if e.Extensions["code"] != "INTERNAL" || e.Message != "internal error" {
			t.Errorf("%v presented as %s", err, raw)
		}
		for _, leak := range []string{"SQL", "SELECT", "sql:", "closed", "/var/lib", "goroutine"} {
			if strings.Contains(raw, leak) {
				t.Errorf("%q leaks %q", raw, leak)
			}
		}
		if !strings.Contains(logs, err.Error()) {
			t.Errorf("the full error is not logged: %s", logs)
		}
	}
}

func TestRecoverPanicLogsAndHidesThePanic(t *testing.T) {
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).WithContext(context.Background())
	err := recoverPanic(ctx, "secret internal state /src/wms/db/goods.go:42")
	_, raw, _ := presented(t, err)
	if strings.Contains(raw, "secret") || strings.Contains(raw, ".go") || !strings.Contains(raw, "INTERNAL") {
		t.Errorf("panic presented as %s", raw)
	}
	if !strings.Contains(logs.String(), "secret internal state") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("panic not logged with its stack: %s", logs.String())
	}
}
