package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// The Store keeps the login limit's failures for every replica.
var _ auth.FailureStore = (*db.Store)(nil)

func TestLoginFailuresCountExpireAndClear(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		a, b := "a-key", "b-key"
		for i := range 3 {
			if err := s.RecordLoginFailure(ctx, []string{a, b}, t0.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.LoginFailures(ctx, []string{a, b, "other"}, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[a].Count != 3 || !got[a].Last.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("after 3 failures: %+v", got)
		}
		if err := s.ClearLoginFailures(ctx, a); err != nil {
			t.Fatal(err)
		}
		// Past the window b's count no longer shows, and a new failure
		// starts it again at 1.
		later := t0.Add(model.LoginFailWindow + time.Hour)
		if got, _ := s.LoginFailures(ctx, []string{a, b}, later); len(got) != 0 {
			t.Fatalf("stale or cleared failures still count: %+v", got)
		}
		if err := s.RecordLoginFailure(ctx, []string{b}, later); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.LoginFailures(ctx, []string{b}, later); got[b].Count != 1 {
			t.Fatalf("a failure after the window: %+v", got)
		}
	})
}

// Two auth services over one database, as two replicas: five failures
// spread over both lock the sixth try on either; the right password from
// another address still signs in, and afterwards that user's count from the
// first address is the one that was, not doubled.
func TestLoginLimitIsSharedBetweenServices(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		replica := func() *auth.Service {
			a := auth.NewService(s, time.Hour, zerolog.Nop())
			a.Failures = s
			return a
		}
		one, two := replica(), replica()
		ctx := context.Background()
		if _, _, err := one.Bootstrap(ctx, "chef", "right-password-1"); err != nil {
			t.Fatal(err)
		}
		from := auth.WithClientIP(ctx, "198.51.100.7")
		for i := range 5 {
			svc := []*auth.Service{one, two}[i%2]
			if _, _, err := svc.Login(from, "chef", "wrong"); model.ErrorCode(err) != model.CodeUnauthenticated {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		for name, svc := range map[string]*auth.Service{"one": one, "two": two} {
			_, _, err := svc.Login(from, "chef", "right-password-1")
			var many *model.TooManyAttemptsError
			if !errors.As(err, &many) {
				t.Errorf("sixth try on replica %s: %v, want TOO_MANY_ATTEMPTS", name, err)
			}
		}
		if _, _, err := two.Login(auth.WithClientIP(ctx, "203.0.113.9"), "chef", "right-password-1"); err != nil {
			t.Errorf("the right password from elsewhere: %v", err)
		}
	})
}
