package db_test

import (
	"wms/auth"
	"wms/db"
)

// The Store is what the auth service needs.
var _ auth.Store = (*db.Store)(nil)
