package graph

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"wms/db"
	"wms/model"
)

// This is the one place errors become API errors. A domain error (model.Error
// and its kin) keeps its code and message; bad arguments are BAD_USER_INPUT
// with the input field; GraphQL's own parse and validation errors keep their
// codes; everything else is INTERNAL: logged in full, shown as "internal
// error" — no SQL, no stack, no path ever reaches a client.

// presentError is the gqlgen error presenter.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	if gerr.Extensions == nil {
		gerr.Extensions = map[string]any{}
	}
	var (
		domain *model.Error
		short  *model.InsufficientStockError
		dec    *model.DecimalError
		many   *model.TooManyAttemptsError
	)
	switch {
	case errors.As(err, &domain):
		gerr.Message = domain.Message
		gerr.Extensions["code"] = string(domain.Code)
		field := domain.Field
		if arg := argumentPath(ctx, gerr); arg != "" {
			field = joinField(arg, field)
		}
		if field != "" {
			gerr.Extensions["field"] = field
		}
		for k, v := range domain.Details {
			gerr.Extensions[k] = v
		}
	case errors.As(err, &short):
		gerr.Message = short.Error()
		gerr.Extensions["code"] = string(model.CodeInsufficientStock)
		gerr.Extensions["goodsId"] = strconv.FormatInt(short.GoodsID, 10)
		gerr.Extensions["requested"] = short.Requested.String()
		gerr.Extensions["available"] = short.Available.String()
		if short.Field != "" {
			gerr.Extensions["field"] = short.Field
		}
	case errors.As(err, &many):
		gerr.Message = many.Message
		gerr.Extensions["code"] = string(model.CodeTooManyAttempts)
		gerr.Extensions["retryAfter"] = many.RetryAfterSeconds()
		askRetryAfter(ctx, many.RetryAfterSeconds())
	case errors.As(err, &dec):
		gerr.Message = dec.Error()
		gerr.Extensions["code"] = string(model.CodeInvalid)
		if arg := argumentPath(ctx, gerr); arg != "" {
			gerr.Extensions["field"] = arg
		}
	case gerr.Extensions["code"] != nil:
		// GraphQL's own errors: parse, validation, persisted queries, limits.
		switch gerr.Extensions["code"] {
		case "COMPLEXITY_LIMIT_EXCEEDED":
			gerr.Extensions["code"] = string(model.CodeTooComplex)
		case errcode.ValidationFailed:
			withoutSuggestions(ctx, gerr)
		}
	case argumentPath(ctx, gerr) != "":
		// gqlgen could not read an argument (a string where an Int goes):
		// its message names the type, never anything internal.
		gerr.Extensions["code"] = string(model.CodeInvalid)
		gerr.Extensions["field"] = argumentPath(ctx, gerr)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		gerr.Message = "the request was cancelled or took too long"
		gerr.Extensions["code"] = string(model.CodeUnavailable)
	case db.IsUnavailable(err):
		zerolog.Ctx(ctx).Warn().Err(err).Str("path", gerr.Path.String()).Msg("database unavailable")
		gerr.Message = "the database is unavailable; try again shortly"
		gerr.Extensions["code"] = string(model.CodeUnavailable)
	case errors.As(err, new(*gqlerror.Error)) && errors.Unwrap(err) == nil:
		// An error gqlgen made itself (a null where the schema forbids one):
		// a server fault, but its message is safe.
		gerr.Extensions["code"] = string(model.CodeInternal)
	default:
		zerolog.Ctx(ctx).Error().Err(err).Str("path", gerr.Path.String()).Msg("internal error")
		gerr.Message = "internal error"
		gerr.Extensions["code"] = string(model.CodeInternal)
	}
	gerr.Err = nil
	return gerr
}

// argumentPath is where in the arguments an error arose, as "input.name" or
// "lines.0.quantity" (an `input` object is left out: its fields are the
// form's fields), or "" for an error that is not about an argument. gqlgen
// reports an argument error on the field's path followed by the argument's.
func argumentPath(ctx context.Context, gerr *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	base := fc.Path()
	if len(gerr.Path) <= len(base) {
		return ""
	}
	parts := make([]string, 0, len(gerr.Path)-len(base))
	for _, el := range gerr.Path[len(base):] {
		switch v := el.(type) {
		case ast.PathName:
			parts = append(parts, string(v))
		case ast.PathIndex:
			parts = append(parts, strconv.Itoa(int(v)))
		default:
			parts = append(parts, fmt.Sprint(v))
		}
	}
	if len(parts) > 1 && parts[0] == "input" {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

func joinField(arg, field string) string {
	if field == "" {
		return arg
	}
	return arg + "." + field
}

// recoverPanic logs a resolver panic with its stack and turns it into an
// internal error.
func recoverPanic(ctx context.Context, p any) error {
	zerolog.Ctx(ctx).Error().Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("resolver panic")
	return errors.New("panic in resolver")
}
