package model

import (
	"math"
	"testing"
)

func TestMoveStockLimits(t *testing.T) {
	for _, tt := range []struct {
		onHand Quantity
		value  Money
		q      Quantity
		v      Money
		code   Code // "" for accepted
	}{
		{0, 0, MaxOnHand, MaxStockValue, ""},
		{MaxOnHand, 0, 1, 0, CodeInvalid},
		{0, MaxStockValue, 0, 1, CodeInvalid},
		{5, 10, -5, -10, ""},
		{5, 10, -6, -10, CodeInternal},         // below zero: never from a consistent row
		{math.MaxInt64, 0, 1, 0, CodeInternal}, // a damaged row is not moved
		{0, unreadable, 1, 1, CodeInternal},
		{0, math.MaxInt64, -1, -1, CodeInternal},
	} {
		_, _, err := MoveStock(tt.onHand, tt.value, tt.q, tt.v)
		if ErrorCode(err) != tt.code {
			t.Errorf("MoveStock(%d, %d, %d, %d) = %v, want %q", int64(tt.onHand), int64(tt.value), int64(tt.q), int64(tt.v), err, tt.code)
		}
	}
}
