package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2/ast"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/graph"
	"wms/model"
)

// introspected is the part of the schema the access test walks.
type introspected struct {
	Schema struct {
		QueryType    struct{ Fields []fieldDef }
		MutationType struct{ Fields []fieldDef }
		Types        []struct {
			Name        string
			Kind        string
			InputFields []struct {
				Name string
				Type typeRef
			}
			EnumValues []struct{ Name string }
		}
	} `json:"__schema"`
}

type fieldDef struct {
	Name string
	Args []struct {
		Name string
		Type typeRef
	}
}

type typeRef struct {
	Kind   string
	Name   *string
	OfType *typeRef
}

const introspectionQuery = `{ __schema {
  queryType { fields { name args { name type { ...T } } } }
  mutationType { fields { name args { name type { ...T } } } }
  types { name kind inputFields { name type { ...T } } enumValues { name } }
} }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

// sample writes a GraphQL literal of type t: enough to get past argument
// checking, so that what answers is the access rule.
func (s introspected) sample(t typeRef) string {
	switch t.Kind {
	case "NON_NULL":
		return s.sample(*t.OfType)
	case "LIST":
		return "[" + s.sample(*t.OfType) + "]"
	}
	switch *t.Name {
	case "ID":
		return `"1"`
	case "String":
		return `"sample text"`
	case "Int":
		return "1"
	case "Boolean":
		return "true"
	case "Decimal":
		return `"1"`
	case "Time":
		return `"2030-01-01T00:00:00Z"`
	case "Upload":
		return "$file" // sent as a multipart request
	}
	for _, ty := range s.Schema.Types {
		if ty.Name != *t.Name {
			continue
		}
		switch ty.Kind {
		case "ENUM":
			return ty.EnumValues[0].Name
		case "INPUT_OBJECT":
			var parts []string
			for _, f := range ty.InputFields {
				if f.Type.Kind == "NON_NULL" {
					parts = append(parts, f.Name+": "+s.sample(f.Type))
				}
			}
			return "{" + strings.Join(parts, ", ") + "}"
		}
	}
	panic("no sample for " + *t.Name)
}

// call writes an operation calling field with sample arguments and __typename.
func (s introspected) call(op string, f fieldDef) string {
	var args []string
	for _, a := range f.Args {
		if a.Type.Kind == "NON_NULL" {
			args = append(args, a.Name+": "+s.sample(a.Type))
		}
	}
	sel := ""
	t := f.returnType(s)
	if t != "scalar" {
		sel = " { __typename }"
	}
	a := ""
	if len(args) > 0 {
		a = "(" + strings.Join(args, ", ") + ")"
	}
	if strings.Contains(a, "$file") {
		op += "($file: Upload!)"
	}
	return fmt.Sprintf("%s { %s%s%s }", op, f.Name, a, sel)
}

// returnType says whether a field returns a scalar; the introspection query
// above leaves out field types, so read them from a second query.
func (f fieldDef) returnType(s introspected) string { return returnKinds[f.Name] }

var returnKinds = map[string]string{}

// openFields are the only root fields without @hasRole, what a caller
// without a token may do, each with a call that must succeed for anyone.
var openFields = map[string]string{
	"login": `mutation { login(username: "vera", password: "viewer-password") { token } }`,
}

// roleRules reads the @hasRole rule of every field from the schema the server
// runs (schema.graphqls, as generated): type name → field name → role, "" for
// a field without the directive.
func roleRules(t *testing.T) map[string]map[string]model.Role {
	t.Helper()
	rules := map[string]map[string]model.Role{}
	for name, def := range graph.NewExecutableSchema(graph.Config{}).Schema().Types {
		if def.Kind != ast.Object || strings.HasPrefix(name, "__") {
			continue
		}
		rules[name] = map[string]model.Role{}
		for _, f := range def.Fields {
			rule := model.Role("")
			if d := f.Directives.ForName("hasRole"); d != nil {
				arg := d.Arguments.ForName("role")
				if arg == nil || arg.Value == nil {
					t.Fatalf("%s.%s: @hasRole without a role", name, f.Name)
				}
				rule = model.Role(arg.Value.Raw)
				if !rule.Valid() {
					t.Fatalf("%s.%s: @hasRole(role: %s) is not a role", name, f.Name, arg.Value.Raw)
				}
			}
			rules[name][f.Name] = rule
		}
	}
	return rules
}

// Every root field, for every kind of caller (none, VIEWER, CLERK, ADMIN),
// against the rule schema.graphqls gives it: a caller below the rule is
// refused (UNAUTHENTICATED without a token, FORBIDDEN with too small a
// role), a caller at or above it is let through. Loosening or tightening the
// role check anywhere, or a field left without a rule, fails here.
func TestEveryFieldNeedsItsRole(t *testing.T) {
	rules := roleRules(t)
	// Rules below the root would need data to reach; none exist yet, and a
	// new one must be walked here before it counts as tested.
	for typ, fields := range rules {
		if typ == "Query" || typ == "Mutation" {
			continue
		}
		for f, rule := range fields {
			// A subscription is refused at connection_init without a token
			// (TestSubscriptions); every signed-in caller is a VIEWER at least.
			if typ == "Subscription" && rule == model.RoleViewer {
				continue
			}
			if rule != "" {
				t.Errorf("%s.%s has @hasRole(role: %s), which this walk does not reach: walk it", typ, f, rule)
			}
		}
	}
	// The README's table of roles names the fields only an ADMIN may use.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `ADMIN` \\|(.*)\\|$").FindSubmatch(readme)
	if row == nil {
		t.Fatal("README has no row for ADMIN in its table of roles")
	}
	named := regexp.MustCompile("`(\\w+)`").FindAllSubmatch(row[1], -1)
	if len(named) == 0 {
		t.Fatalf("README's ADMIN row names no field: %s", row[0])
	}
	for _, m := range named {
		f := string(m[1])
		if rules["Query"][f] != model.RoleAdmin && rules["Mutation"][f] != model.RoleAdmin {
			t.Errorf("README says only an ADMIN may use %s; schema.graphqls says %q", f, rules["Query"][f]+rules["Mutation"][f])
		}
	}

	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		var schema introspected
		admin.ok(introspectionQuery, nil, &schema)
		var kinds struct {
			Schema struct {
				QueryType, MutationType struct {
					Fields []struct {
						Name string
						Type typeRef
					}
				}
			} `json:"__schema"`
		}
		admin.ok(`{ __schema { queryType { fields { name type { ...T } } } mutationType { fields { name type { ...T } } } } }
			fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`, nil, &kinds)
		for _, f := range append(kinds.Schema.QueryType.Fields, kinds.Schema.MutationType.Fields...) {
			t := f.Type
			for t.OfType != nil {
				t = *t.OfType
			}
			if t.Kind == "SCALAR" || t.Kind == "ENUM" {
				returnKinds[f.Name] = "scalar"
			}
		}
		admin.ok(`mutation { createUser(input: {username: "vera", password: "viewer-password", role: VIEWER}) { id } }`, nil, nil)
		admin.ok(`mutation { createUser(input: {username: "clara", password: "clerk-password", role: CLERK}) { id } }`, nil, nil)
		// Each caller signs in afresh for every call, so that a logout (or
		// anything else a call does to its own session) touches no other.
		callers := []struct {
			role  model.Role
			login func() string
		}{
			{"", func() string { return "" }},
			{model.RoleViewer, func() string { return admin.login("vera", "viewer-password") }},
			{model.RoleClerk, func() string { return admin.login("clara", "clerk-password") }},
			{model.RoleAdmin, func() string { return admin.login("admin", testPassword) }},
		}
		if len(schema.Schema.MutationType.Fields) < 15 || len(schema.Schema.QueryType.Fields) < 10 {
			t.Fatalf("only %d queries and %d mutations introspected", len(schema.Schema.QueryType.Fields), len(schema.Schema.MutationType.Fields))
		}
		walked := map[model.Role]int{}
		for _, root := range []struct {
			op, typ string
			fields  []fieldDef
		}{{"query", "Query", schema.Schema.QueryType.Fields}, {"mutation", "Mutation", schema.Schema.MutationType.Fields}} {
			for _, f := range root.fields {
				rule, known := rules[root.typ][f.Name]
				switch {
				case !known:
					t.Errorf("%s.%s is served but not in schema.graphqls", root.typ, f.Name)
					continue
				case rule == "" && openFields[f.Name] == "":
					t.Errorf("%s.%s has no @hasRole: anyone may use it", root.typ, f.Name)
				case rule != "" && openFields[f.Name] != "":
					t.Errorf("%s.%s is meant to be open to anyone but has @hasRole(role: %s)", root.typ, f.Name, rule)
				}
				doc := schema.call(root.op, f)
				if open := openFields[f.Name]; open != "" && rule == "" {
					doc = open
				}
				for _, caller := range callers {
					r := admin.as(caller.login()).sendAny(doc)
					code := ""
					if len(r.Errors) > 0 {
						code, _ = r.Errors[0].Extensions["code"].(string)
					}
					who := string(caller.role)
					if who == "" {
						who = "no token"
					}
					switch {
					case rule == "":
						if len(r.Errors) > 0 || r.Status != http.StatusOK {
							t.Errorf("%s (open to anyone) failed for %s: %d %s", f.Name, who, r.Status, r.Raw)
						}
					case caller.role != "" && caller.role.Allows(rule):
						if code == "UNAUTHENTICATED" || code == "FORBIDDEN" || r.Status == http.StatusUnauthorized {
							t.Errorf("%s (rule %q) refused to %s: %d %s", f.Name, rule, who, r.Status, r.Raw)
						}
					case caller.role == "":
						if code != "UNAUTHENTICATED" {
							t.Errorf("%s (rule %s) with no token: want UNAUTHENTICATED, got %d %s", f.Name, rule, r.Status, r.Raw)
						}
					default:
						if code != "FORBIDDEN" {
							t.Errorf("%s (rule %s) as %s: want FORBIDDEN, got %d %s", f.Name, rule, who, r.Status, r.Raw)
						}
					}
					walked[caller.role]++
				}
			}
		}
		t.Logf("walked %v calls per role over %d queries and %d mutations", walked[model.RoleAdmin],
			len(schema.Schema.QueryType.Fields), len(schema.Schema.MutationType.Fields))
		// Introspection itself is open (the playground needs it).
		admin.as("").ok(`{ __schema { queryType { name } } }`, nil, nil)
		// A bad token is refused outright, not served anonymously.
		if r := admin.as("wmss_not-a-token").post(`{ __typename }`, nil); r.Status != 401 {
			t.Errorf("bad token: %d %s", r.Status, r.Raw)
		}
	})
}

func TestSessionsExpireSlideAndEndAtLogout(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		c.auth.CacheTTL = time.Hour // logout must reach past the cache
		now := time.Now()
		c.auth.Now = func() time.Time { return now }
		tok := c.login("admin", testPassword)
		me := `{ me { username role } }`
		c.as(tok).ok(me, nil, nil)
		// Used after 4 days of 7: extended to 7 days from then.
		now = now.Add(4 * 24 * time.Hour)
		c.as(tok).ok(me, nil, nil)
		now = now.Add(6 * 24 * time.Hour)
		c.as(tok).ok(me, nil, nil)
		// Unused for longer than the session lasts: gone.
		now = now.Add(8 * 24 * time.Hour)
		if r := c.as(tok).post(me, nil); r.Status != 401 || !strings.Contains(r.Raw, "UNAUTHENTICATED") {
			t.Errorf("expired session: %d %s", r.Status, r.Raw)
		}
		tok = c.login("admin", testPassword)
		c.as(tok).ok(`mutation { logout }`, nil, nil)
		if r := c.as(tok).post(me, nil); r.Status != 401 {
			t.Errorf("session after logout: %d %s", r.Status, r.Raw)
		}
	})
}

func TestAPITokensAreScopedAndRevocable(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		admin.auth.CacheTTL = time.Hour // revocation must reach past the cache
		admin.ok(`mutation { createUser(input: {username: "Clara", password: "clerk-password", role: CLERK}) { id } }`, nil, nil)
		clerk := admin.as(admin.login("clara", "clerk-password"))
		var made struct {
			CreateAPIToken struct {
				Token    string
				APIToken struct{ ID, Name, Role string }
			} `json:"createApiToken"`
		}
		clerk.ok(`mutation { createApiToken(input: {name: "nightly report", role: VIEWER}) { token apiToken { id name role } } }`, nil, &made)
		if !strings.HasPrefix(made.CreateAPIToken.Token, "wmsa_") || made.CreateAPIToken.APIToken.Role != "VIEWER" {
			t.Fatalf("made %+v", made)
		}
		script := admin.as(made.CreateAPIToken.Token)
		script.ok(`{ goodsList { totalCount } }`, nil, nil)
		script.fail(`mutation { createCategory(input: {name: "x"}) { id } }`, nil, "FORBIDDEN")
		// No more than one's own role.
		clerk.fail(`mutation { createApiToken(input: {name: "root", role: ADMIN}) { token } }`, nil, "FORBIDDEN")
		clerk.fail(`mutation { createApiToken(input: {name: "old", expiresAt: "2001-01-01T00:00:00Z"}) { token } }`, nil, "BAD_USER_INPUT")
		// Listed without secrets; another user's tokens only for an ADMIN.
		var list struct {
			APITokens []struct{ Name string } `json:"apiTokens"`
		}
		clerk.ok(`{ apiTokens { name } }`, nil, &list)
		if len(list.APITokens) != 1 || list.APITokens[0].Name != "nightly report" {
			t.Errorf("listed %+v", list)
		}
		clerk.fail(`{ apiTokens(userId: "1") { name } }`, nil, "FORBIDDEN")
		clerk.ok(`mutation($id: ID!) { revokeApiToken(id: $id) }`, map[string]any{"id": made.CreateAPIToken.APIToken.ID}, nil)
		if r := script.post(`{ goodsList { totalCount } }`, nil); r.Status != 401 {
			t.Errorf("revoked token still works: %d %s", r.Status, r.Raw)
		}
		// An expiring token stops at its time.
		now := time.Now()
		admin.auth.Now = func() time.Time { return now }
		clerk.ok(`mutation($at: Time!) { createApiToken(input: {name: "day", expiresAt: $at}) { token } }`,
			map[string]any{"at": now.Add(24 * time.Hour).Format(time.RFC3339)}, &made)
		day := admin.as(made.CreateAPIToken.Token)
		day.ok(`{ me { username } }`, nil, nil)
		now = now.Add(25 * time.Hour)
		if r := day.post(`{ me { username } }`, nil); r.Status != 401 {
			t.Errorf("expired API token: %d", r.Status)
		}
	})
}

func TestDisabledUsersCannotSignIn(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		admin.auth.CacheTTL = time.Hour // disabling must reach past the cache
		var u struct{ CreateUser struct{ ID string } }
		admin.ok(`mutation { createUser(input: {username: "dan", password: "dan-password", role: CLERK}) { id } }`, nil, &u)
		dan := admin.as(admin.login("dan", "dan-password"))
		dan.ok(`{ me { username } }`, nil, nil)
		admin.ok(`mutation($id: ID!) { updateUser(input: {id: $id, disabled: true}) { disabled } }`, map[string]any{"id": u.CreateUser.ID}, nil)
		if r := dan.post(`{ me { username } }`, nil); r.Status != 401 {
			t.Errorf("disabled user's session still works: %d", r.Status)
		}
		wrong := admin.as("").fail(`mutation { login(username: "nobody", password: "whatever-pass") { token } }`, nil, "UNAUTHENTICATED")
		disabled := admin.as("").fail(`mutation { login(username: "dan", password: "dan-password") { token } }`, nil, "UNAUTHENTICATED")
		if wrong.Message != disabled.Message {
			t.Errorf("a disabled user is told apart: %q vs %q", disabled.Message, wrong.Message)
		}
		admin.fail(`mutation { createUser(input: {username: "DAN", password: "another-pass", role: VIEWER}) { id } }`, nil, "CONFLICT")
		admin.fail(`mutation { createUser(input: {username: "eve", password: "short", role: VIEWER}) { id } }`, nil, "BAD_USER_INPUT")
	})
}

func TestFailedLoginsAreLimited(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		now := time.Now()
		c.auth.Now = func() time.Time { return now }
		anon := c.as("")
		login := `mutation($p: String!) { login(username: "admin", password: $p) { token } }`
		for range 5 {
			anon.fail(login, map[string]any{"p": "guess-guess"}, "UNAUTHENTICATED")
		}
		e := anon.fail(login, map[string]any{"p": testPassword}, "TOO_MANY_ATTEMPTS")
		if !strings.Contains(e.Message, "too many failed logins") || e.Extensions["retryAfter"] != 1.0 {
			t.Errorf("right password during lockout: %q, retry after %v s, want 1", e.Message, e.Extensions["retryAfter"])
		}
		now = now.Add(2 * time.Second)
		anon.ok(login, map[string]any{"p": testPassword}, nil)
	})
}

func TestPasswordsAreNeverStoredOrLogged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		var logs bytes.Buffer
		log := zerolog.New(&logs)
		s := db.NewStore(bdb)
		a := auth.NewService(s, time.Hour, log)
		const first, second, wrong = "Pa55word-first-XYZ", "Pa55word-second-QRS", "Pa55word-wrong-LMN"
		if _, _, err := a.Bootstrap(context.Background(), "root", first); err != nil {
			t.Fatal(err)
		}
		c := newClientWithAuth(t, s, a, log)
		c.token = c.login("root", first)
		c.as("").fail(`mutation($p: String!) { login(username: "root", password: $p) { token } }`, map[string]any{"p": wrong}, "UNAUTHENTICATED")
		var u struct{ Me struct{ ID string } }
		c.ok(`{ me { id } }`, nil, &u)
		c.ok(`mutation($id: ID!, $p: String!) { updateUser(input: {id: $id, password: $p}) { id } }`, map[string]any{"id": u.Me.ID, "p": second}, nil)
		tok := c.login("root", second)
		var tables []string
		if err := bdb.NewRaw(tablesQuery(bdb)).Scan(context.Background(), &tables); err != nil {
			t.Fatal(err)
		}
		var dump strings.Builder
		for _, tb := range tables {
			_, rows := dbtest.Query(t, bdb, "SELECT * FROM "+tb)
			for _, vals := range rows {
				fmt.Fprintf(&dump, "%s %v\n", tb, vals)
			}
		}
		for _, secret := range []string{first, second, wrong, tok} {
			if strings.Contains(dump.String(), secret) {
				t.Errorf("a password or token is stored in plain text")
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a password or token is in the log")
			}
		}
		if !strings.Contains(dump.String(), "$argon2id$") {
			t.Errorf("no argon2id hash stored")
		}
		if !strings.Contains(logs.String(), "login refused") {
			t.Errorf("the log is not captured: %s", logs.String())
		}
	})
}

func tablesQuery(bdb *bun.DB) string {
	if bdb.Dialect().Name().String() == "mysql" {
		return "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	}
	return "SELECT name FROM sqlite_master WHERE type = 'table'"
}

func TestBootstrapAdmin(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		a := auth.NewService(s, time.Hour, zerolog.Nop())
		created, generated, err := a.Bootstrap(context.Background(), "boss", "")
		if err != nil || !created || len(generated) < 16 {
			t.Fatalf("bootstrap without a password: %v %q %v", created, generated, err)
		}
		if _, _, err := a.Login(context.Background(), "boss", generated); err != nil {
			t.Errorf("sign in with the generated password: %v", err)
		}
		again, _, err := a.Bootstrap(context.Background(), "other", "another-password")
		if err != nil || again {
			t.Errorf("second bootstrap created a user: %v %v", again, err)
		}
		if _, _, err := a.Login(context.Background(), "other", "another-password"); model.ErrorCode(err) != model.CodeUnauthenticated {
			t.Errorf("a second admin was made: %v", err)
		}
	})
}

func TestDocumentsRecordWhoMadeThem(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "蔬菜", "葱")
		var out struct {
			StockIn struct{ CreatedBy struct{ Username string } }
		}
		c.ok(`mutation($g: ID!) { stockIn(input: {type: GIFT, lines: [{goodsId: $g, quantity: 1, unitCost: 0}]}) { createdBy { username } } }`,
			map[string]any{"g": g}, &out)
		if out.StockIn.CreatedBy.Username != "admin" {
			t.Errorf("createdBy %+v", out.StockIn.CreatedBy)
		}
	})
}

func newClientWithAuth(t *testing.T, s *db.Store, a *auth.Service, log zerolog.Logger) *client {
	t.Helper()
	h := graph.NewHandler(&graph.Resolver{Store: s, Auth: a, Log: log}, graph.DefaultOptions)
	c := newClientFor(t, h)
	c.auth = a
	return c
}

// sendAny sends doc, as a multipart upload when it takes $file.
func (c *client) sendAny(doc string) response {
	c.t.Helper()
	if !strings.Contains(doc, "$file") {
		return c.post(doc, nil)
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	ops, _ := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{"file": nil}})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.file"]}`)
	part, _ := w.CreateFormFile("0", "x.png")
	_, _ = part.Write([]byte("\x89PNG\r\n\x1a\n0000"))
	_ = w.Close()
	return c.send(http.MethodPost, w.FormDataContentType(), &b, http.Header{"Apollo-Require-Preflight": {"true"}})
}
