package db_test

import (
	"context"
	"errors"
	"testing"

	"wms/db"
	"wms/model"
)

var ctx = context.Background()

// wantCode fails the test unless err carries the API error code.
func wantCode(t *testing.T, err error, code model.Code) {
	t.Helper()
	if got := model.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %s", err, got, code)
	}
}

// wantField fails the test unless err is a domain error about field.
func wantField(t *testing.T, err error, code model.Code, field string) {
	t.Helper()
	wantCode(t, err, code)
	var e *model.Error
	if !errors.As(err, &e) || e.Field != field {
		t.Fatalf("got %#v, want field %q", err, field)
	}
}

func mustCategory(t *testing.T, s *db.Store, name string) *model.Category {
	t.Helper()
	c, err := s.CreateCategory(ctx, model.CategoryInput{Name: name})
	if err != nil {
		t.Fatalf("create category %q: %v", name, err)
	}
	return c
}

func mustGoods(t *testing.T, s *db.Store, in model.GoodsInput) *model.Goods {
	t.Helper()
	g, err := s.CreateGoods(ctx, in)
	if err != nil {
		t.Fatalf("create goods %q: %v", in.Name, err)
	}
	return g
}

func ptr[T any](v T) *T { return &v }
