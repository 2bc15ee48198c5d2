package graph

import (
	"context"
	"fmt"
	"testing"

	"wms/auth"
	"wms/model"
)

func signedIn() context.Context {
	return auth.WithCaller(context.Background(), &auth.Caller{User: &model.User{ID: 1}, Token: &model.Token{Role: model.RoleViewer}})
}

func TestSizedCacheKeepsToItsBudget(t *testing.T) {
	ctx := signedIn()
	byLength := func(k, v string) int64 { return int64(len(k) + len(v)) }
	c := newSizedCache(100, byLength)
	for i := range 20 {
		c.Add(ctx, fmt.Sprintf("k%02d", i), "0123456") // 10 bytes each
		if used, _ := c.size(); used > 100 {
			t.Fatalf("after %d entries the cache holds %d bytes, over its budget of 100", i+1, used)
		}
	}
	if used, n := c.size(); used != 100 || n != 10 {
		t.Errorf("full cache: %d bytes in %d entries, want 100 in 10", used, n)
	}
	// The least recently used go first: k10 was read, so k11 is evicted.
	if _, ok := c.Get(ctx, "k10"); !ok {
		t.Fatal("k10 evicted too early")
	}
	c.Add(ctx, "k20", "0123456")
	if _, ok := c.Get(ctx, "k11"); ok {
		t.Error("k11, the least recently used, is still there")
	}
	if _, ok := c.Get(ctx, "k10"); !ok {
		t.Error("k10, read recently, was evicted")
	}
	// A replaced value is weighed anew.
	c.Add(ctx, "k20", "0123456789012345678901234567") // 31 bytes
	if used, _ := c.size(); used > 100 {
		t.Errorf("after a replacement the cache holds %d bytes", used)
	}
	if v, _ := c.Get(ctx, "k20"); len(v) != 28 {
		t.Errorf("k20 = %q", v)
	}
	// An entry larger than the whole budget is not kept, and evicts nothing.
	before, n := c.size()
	c.Add(ctx, "huge", string(make([]byte, 200)))
	if _, ok := c.Get(ctx, "huge"); ok {
		t.Error("an entry over the budget was kept")
	}
	if used, m := c.size(); used != before || m != n {
		t.Errorf("an entry over the budget changed the cache: %d/%d → %d/%d", before, n, used, m)
	}
}

func TestSizedCacheTakesNothingFromCallersWithoutAToken(t *testing.T) {
	c := newSizedCache(1000, func(k, v string) int64 { return int64(len(k) + len(v)) })
	c.Add(context.Background(), "anonymous", "query")
	if _, ok := c.Get(context.Background(), "anonymous"); ok {
		t.Error("a caller without a token added to the cache")
	}
	c.Add(signedIn(), "signed-in", "query")
	if v, ok := c.Get(context.Background(), "signed-in"); !ok || v != "query" {
		t.Errorf("a caller without a token cannot read what is cached: %q %v", v, ok)
	}
}
