package model

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for the API; it is the GraphQL extensions.code.
type Code string

// The error codes of SPEC §2. An error without one of these is internal.
const (
	CodeInvalid           Code = "BAD_USER_INPUT"
	CodeNotFound          Code = "NOT_FOUND"
	CodeConflict          Code = "CONFLICT"
	CodeInsufficientStock Code = "INSUFFICIENT_STOCK"
	CodeUnauthenticated   Code = "UNAUTHENTICATED"
	CodeForbidden         Code = "FORBIDDEN"
	CodeTooComplex        Code = "TOO_COMPLEX"
	CodeTooManyAttempts   Code = "TOO_MANY_ATTEMPTS"
	CodeUnavailable       Code = "UNAVAILABLE"
	CodeInternal          Code = "INTERNAL"
)

// Error is a domain error the client may see: a code, a message written for
// people, and for BAD_USER_INPUT the input field it is about.
type Error struct {
	Code    Code
	Message string
	// Field is the dotted path of the offending input field ("name",
	// "lines.2.quantity"), or empty.
	Field string
	// Details are more facts for the client, each an extension of the API
	// error next to code and field (a CONFLICT's current figure, say).
	Details map[string]any
}

func (e *Error) Error() string { return e.Message }

// Invalid reports bad input in one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports that the thing asked for does not exist.
func NotFound(what string, id int64) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %d not found", what, id)}
}

// Conflict reports a request that contradicts the current state.
func Conflict(format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// Errorf makes an Error with any code.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InsufficientStockError says a stock-out line asks for more than is on hand.
type InsufficientStockError struct {
	GoodsID   int64
	Requested Quantity
	Available Quantity
	// Field is the input field of the line that cannot be served
	// ("lines.2.quantity").
	Field string
}

func (e *InsufficientStockError) Error() string {
	return fmt.Sprintf("insufficient stock for goods %d: requested %s, available %s", e.GoodsID, e.Requested, e.Available)
}

// TooManyAttemptsError refuses a login for now: too many failed ones from
// the caller's address, or too many at once. It is TOO_MANY_ATTEMPTS, with
// the seconds to wait in extensions.retryAfter.
type TooManyAttemptsError struct {
	Message string
	// RetryAfter is how long to wait before trying again.
	RetryAfter time.Duration
}

func (e *TooManyAttemptsError) Error() string { return e.Message }

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, at least 1.
func (e *TooManyAttemptsError) RetryAfterSeconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}

// ErrorCode returns the code of a domain error anywhere in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) Code {
	var e *Error
	var ins *InsufficientStockError
	var dec *DecimalError
	var many *TooManyAttemptsError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.As(err, &ins):
		return CodeInsufficientStock
	case errors.As(err, &many):
		return CodeTooManyAttempts
	case errors.As(err, &dec):
		return CodeInvalid
	default:
		return CodeInternal
	}
}

// WithField returns err with its input field set when it is a BAD_USER_INPUT
// error that has none yet; other errors pass through.
func WithField(err error, field string) error {
	var e *Error
	if errors.As(err, &e) && e.Code == CodeInvalid && e.Field == "" {
		c := *e
		c.Field = field
		return &c
	}
	var dec *DecimalError
	if errors.As(err, &dec) {
		return &Error{Code: CodeInvalid, Field: field, Message: dec.Error()}
	}
	return err
}
