package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"wms/auth"
	"wms/model"
)

// selfOrAdmin is the @selfOrAdmin directive: a user's role, disabled flag
// and times are answered to an ADMIN and to the user themself, and are null
// for anyone else, who sees only the id and username (of the createdBy of a
// document, say).
func selfOrAdmin(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	u, ok := obj.(*model.User)
	if !ok || !maySeeUser(ctx, u.ID) {
		return nil, nil
	}
	return next(ctx)
}

// maySeeUser reports whether the caller may read all of user id: an ADMIN,
// the user themself, or the one signing in (login answers with the user it
// signed in, to a caller who has no token yet).
func maySeeUser(ctx context.Context, id int64) bool {
	if c := auth.CallerFrom(ctx); c != nil {
		return c.Role() == model.RoleAdmin || c.User.ID == id
	}
	root := graphql.GetFieldContext(ctx)
	for root != nil && root.Parent != nil && root.Parent.Field.Field != nil {
		root = root.Parent
	}
	return root != nil && root.Field.Field != nil && root.Object == "Mutation" && root.Field.Name == "login"
}
