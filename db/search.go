package db

import (
	"strings"

	"wms/model"
)

// likeContains makes the LIKE pattern "contains s" over a folded column,
// escaping LIKE's wildcards with '!' — a character that needs no escaping in
// the string literals of either dialect (MySQL treats '\' specially).
func likeContains(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return "%" + r.Replace(model.Fold(strings.TrimSpace(s))) + "%"
}
