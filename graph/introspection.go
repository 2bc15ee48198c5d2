package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"wms/auth"
)

// CodeIntrospectionDisabled is the extensions.code of an introspection query
// (__schema or __type) sent to a server with WMS_INTROSPECTION=false.
const CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"

// Field suggestions ("Did you mean …?") in validation errors tell a caller
// the schema's names as well as introspection does. With introspection off
// they are off for everyone; with it on, callers without a token still get
// none (see withoutSuggestions).

// schemaDiscovery sets up what callers may learn of the schema: the
// introspection extension and field suggestions when introspection is on;
// otherwise a clear refusal of introspection queries and validation without
// suggestions.
func schemaDiscovery(srv *handler.Server, introspection bool) {
	if introspection {
		srv.Use(extension.Introspection{})
		return
	}
	srv.Use(introspectionOff{})
	// gqlgen drops the suggestions of two rules; the validation rules
	// without suggestions stand in for the other three.
	srv.SetDisableSuggestion(true)
	srv.SetValidationRulesFn(func() *rules.Rules {
		r := rules.NewDefaultRules()
		for name, quiet := range map[string]core.Rule{
			rules.KnownArgumentNamesRule.Name:  rules.KnownArgumentNamesRuleWithoutSuggestions,
			rules.KnownTypeNamesRule.Name:      rules.KnownTypeNamesRuleWithoutSuggestions,
			rules.ValuesOfCorrectTypeRule.Name: rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
		} {
			r.ReplaceRule(name, quiet.RuleFunc)
		}
		return r
	})
}

// introspectionOff refuses an operation that selects __schema or __type,
// before it runs, with INTROSPECTION_DISABLED. (Left to itself, gqlgen
// answers such a field with a bare error, which would be INTERNAL.)
type introspectionOff struct{}

func (introspectionOff) ExtensionName() string                   { return "NoIntrospection" }
func (introspectionOff) Validate(graphql.ExecutableSchema) error { return nil }
func (introspectionOff) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || !selectsIntrospection(oc.Operation.SelectionSet, map[string]bool{}) {
		return nil
	}
	return &gqlerror.Error{
		Message:    "introspection is disabled on this server (WMS_INTROSPECTION=false)",
		Extensions: map[string]any{"code": CodeIntrospectionDisabled},
	}
}

// selectsIntrospection reports whether a root selection set asks for
// __schema or __type, directly or through fragments.
func selectsIntrospection(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if selectsIntrospection(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if selectsIntrospection(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}

// suggestion starts what gqlparser appends to a validation message to
// suggest names of the schema.
const suggestion = " Did you mean "

// withoutSuggestions cuts the suggestions off a validation error for a
// caller without a token. gqlparser appends them to the message and offers
// no other way to leave them out for one caller only.
func withoutSuggestions(ctx context.Context, gerr *gqlerror.Error) {
	if auth.CallerFrom(ctx) != nil {
		return
	}
	if i := strings.Index(gerr.Message, suggestion); i >= 0 {
		gerr.Message = gerr.Message[:i]
	}
}
