package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun/driver/sqliteshim"

	"wms/auth"
	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// The yardstick of the read benchmark (readbench_test.go): the goods page and
// the stock page written by hand in net/http and database/sql over wms's own
// tables, answering the same bytes as /query does. It does the work that
// matters the way a careful hand would: it checks the bearer token (hashed,
// looked up with its user, remembered for a second as wms does), reads one
// page with the category joined and counts the list, in the order and with
// the cursors, numbers and escaping of the API. What it leaves out is what
// GraphQL is for: it knows its two documents by heart.

// The two pages, as a client sends them.
const (
	goodsPageQuery = `query GoodsPage { goodsList(first: 50) { totalCount edges { cursor node { id name unit sku ` +
		`category { id name } stock { onHand value averageCost low } } } pageInfo { hasNextPage endCursor } } }`
	stockPageQuery = `query StockPage { stock(first: 50) { totalCount nodes { onHand value averageCost low ` +
		`goods { id name category { name } } } pageInfo { hasNextPage endCursor } } }`
)

// handPageSize is the first: of both documents.
const handPageSize = 50

// handPages is the yardstick: an http.Handler for POST /query that answers
// the two documents above.
type handPages struct {
	db     *sql.DB
	now    func() time.Time
	tokens handTokens
}

// openHandPages opens the database the configuration names, with the driver,
// settings and pool bounds wms uses (db.Open), for the yardstick.
func openHandPages(cfg Config) (*handPages, error) {
	var sqldb *sql.DB
	switch cfg.DB {
	case db.SQLite:
		// db.Open's pragmas: WAL, so readers never wait for a writer.
		var err error
		sqldb, err = sql.Open(sqliteshim.ShimName, "file:"+cfg.SQLitePath+
			"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"+
			"&_pragma=busy_timeout(10000)&_txlock=immediate")
		if err != nil {
			return nil, err
		}
	case db.MySQL:
		mc, err := db.MySQLConfig(cfg.MySQL)
		if err != nil {
			return nil, err
		}
		// Each statement goes with its arguments in one round trip, as Bun
		// sends it, instead of prepare, execute and close.
		mc.InterpolateParams = true
		conn, err := mysql.NewConnector(mc)
		if err != nil {
			return nil, err
		}
		sqldb = sql.OpenDB(conn)
	default:
		return nil, fmt.Errorf("unknown database %q", cfg.DB)
	}
	sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
	sqldb.SetMaxIdleConns(cfg.MaxOpenConns)
	sqldb.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	sqldb.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	return &handPages{db: sqldb, now: time.Now}, nil
}

func (h *handPages) Close() error { return h.db.Close() }

// handTokens remembers, for a second, the tokens that signed a request in,
// as auth.Service does.
type handTokens struct {
	mu sync.Mutex
	m  map[string]handToken
}

type handToken struct {
	until   time.Time
	expires sql.NullTime
}

func (c *handTokens) ok(hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	return ok && now.Before(e.until) && (!e.expires.Valid || now.Before(e.expires.Time))
}

func (c *handTokens) put(hash string, e handToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 10_000 {
		c.m = map[string]handToken{}
	}
	c.m[hash] = e
}

var errHandToken = errors.New("the token is invalid, expired or revoked; sign in again")

// signIn checks the bearer token of r as auth.Service.Authenticate does: the
// SHA-256 of the secret looked up with its user; revoked, expired or of a
// disabled user is refused, and the role in force (an API token's, at most
// its user's) must allow reading. Sessions are not extended here: wms writes
// that once per half session, not per request.
func (h *handPages) signIn(ctx context.Context, r *http.Request) error {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return errors.New("sign in first: send Authorization: Bearer <token>")
	}
	hash := auth.HashToken(secret)
	now := h.now().UTC()
	if h.tokens.ok(hash, now) {
		return nil
	}
	var (
		kind             model.TokenKind
		tokenRole, role  model.Role
		expires, revoked sql.NullTime
		disabled         bool
	)
	err := h.db.QueryRowContext(ctx, `SELECT t.kind, t.role, t.expires_at, t.revoked_at, u.role, u.disabled
		FROM tokens AS t JOIN users AS u ON u.id = t.user_id WHERE t.hash = ?`, hash).
		Scan(&kind, &tokenRole, &expires, &revoked, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return errHandToken
	}
	if err != nil {
		return fmt.Errorf("read token: %w", err)
	}
	if revoked.Valid || (expires.Valid && !now.Before(expires.Time)) || disabled {
		return errHandToken
	}
	if kind == model.TokenAPI && role.Allows(tokenRole) {
		role = tokenRole
	}
	if !role.Allows(model.RoleViewer) {
		return errHandToken
	}
	h.tokens.put(hash, handToken{until: now.Add(time.Second), expires: expires})
	return nil
}

func (h *handPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		handError(w, http.StatusMethodNotAllowed, "POST only")
		return
	}
	if err := h.signIn(r.Context(), r); err != nil {
		handError(w, http.StatusUnauthorized, err.Error())
		return
	}
	var req struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		handError(w, http.StatusBadRequest, "the body is not a GraphQL request")
		return
	}
	var (
		answer any
		err    error
	)
	switch req.Query {
	case goodsPageQuery:
		answer, err = h.goodsPage(r.Context())
	case stockPageQuery:
		answer, err = h.stockPage(r.Context())
	default:
		handError(w, http.StatusBadRequest, "only the goods page and the stock page are known here")
		return
	}
	if err != nil {
		handError(w, http.StatusInternalServerError, err.Error())
		return
	}
	body, err := json.Marshal(answer)
	if err != nil {
		handError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/graphql-response+json")
	_, _ = w.Write(body)
}

func handError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]string{"message": msg}}})
	_, _ = w.Write(body)
}

// handRow is one goods of a page, with its category's name and its stock.
type handRow struct {
	id, categoryID int64
	name, nameKey  string
	unit           string
	sku            *string
	threshold      *int64
	onHand, value  int64
	categoryName   sql.NullString
}

// handPageSQL reads a page of the unarchived goods by name, as
// Store.GoodsList and Store.Stock do. The category is LEFT JOINed, as Bun
// joins a relation: the same plan on MariaDB.
const handPageSQL = `SELECT g.id, g.name, g.name_key, g.unit, g.sku, g.low_stock_threshold, g.on_hand, g.stock_value,
	g.category_id, c.name
	FROM goods AS g LEFT JOIN categories AS c ON c.id = g.category_id
	WHERE g.archived = FALSE ORDER BY g.name_key ASC, g.id ASC LIMIT ?`

const handCountSQL = `SELECT COUNT(*) FROM goods AS g WHERE g.archived = FALSE`

// page reads the first page (one row more, to know whether there is a next
// one) and the count of the whole list.
func (h *handPages) page(ctx context.Context) (rows []handRow, hasNext bool, total int, err error) {
	rs, err := h.db.QueryContext(ctx, handPageSQL, handPageSize+1)
	if err != nil {
		return nil, false, 0, err
	}
	defer rs.Close()
	rows = make([]handRow, 0, handPageSize+1)
	for rs.Next() {
		var r handRow
		if err := rs.Scan(&r.id, &r.name, &r.nameKey, &r.unit, &r.sku, &r.threshold, &r.onHand, &r.value,
			&r.categoryID, &r.categoryName); err != nil {
			return nil, false, 0, err
		}
		if !r.categoryName.Valid {
			return nil, false, 0, fmt.Errorf("goods %d has no category %d", r.id, r.categoryID)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, false, 0, err
	}
	if len(rows) > handPageSize {
		rows, hasNext = rows[:handPageSize], true
	}
	err = h.db.QueryRowContext(ctx, handCountSQL).Scan(&total)
	return rows, hasNext, total, err
}

// handCursor is db's cursor of the NAME_ASC order: base64url of
// {"o":"NAME_ASC","k":[name_key,id]}.
func handCursor(nameKey string, id int64) string {
	b, _ := json.Marshal(struct {
		O string `json:"o"`
		K []any  `json:"k"`
	}{"NAME_ASC", []any{nameKey, id}})
	return base64.RawURLEncoding.EncodeToString(b)
}

type handPageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

func pageInfo(rows []handRow, hasNext bool) handPageInfo {
	pi := handPageInfo{HasNextPage: hasNext}
	if n := len(rows); n > 0 {
		c := handCursor(rows[n-1].nameKey, rows[n-1].id)
		pi.EndCursor = &c
	}
	return pi
}

// handStock is a StockLevel's numbers as the API writes them.
type handStock struct {
	OnHand      string  `json:"onHand"`
	Value       string  `json:"value"`
	AverageCost *string `json:"averageCost"`
	Low         bool    `json:"low"`
}

func (r *handRow) stock() handStock {
	s := handStock{OnHand: model.Quantity(r.onHand).String(), Value: model.Money(r.value).String(),
		Low: r.threshold != nil && r.onHand <= *r.threshold}
	if c, ok := model.AverageCost(model.Money(r.value), model.Quantity(r.onHand)); ok {
		text := c.String()
		s.AverageCost = &text
	}
	return s
}

type handGoodsEdge struct {
	Cursor string `json:"cursor"`
	Node   struct {
		ID       int64   `json:"id,string"`
		Name     string  `json:"name"`
		Unit     string  `json:"unit"`
		SKU      *string `json:"sku"`
		Category struct {
			ID   int64  `json:"id,string"`
			Name string `json:"name"`
		} `json:"category"`
		Stock handStock `json:"stock"`
	} `json:"node"`
}

type handGoodsAnswer struct {
	Data struct {
		GoodsList struct {
			TotalCount int             `json:"totalCount"`
			Edges      []handGoodsEdge `json:"edges"`
			PageInfo   handPageInfo    `json:"pageInfo"`
		} `json:"goodsList"`
	} `json:"data"`
}

func (h *handPages) goodsPage(ctx context.Context) (*handGoodsAnswer, error) {
	rows, hasNext, total, err := h.page(ctx)
	if err != nil {
		return nil, err
	}
	a := new(handGoodsAnswer)
	list := &a.Data.GoodsList
	list.TotalCount = total
	list.Edges = make([]handGoodsEdge, len(rows))
	for i := range rows {
		r, e := &rows[i], &list.Edges[i]
		e.Cursor = handCursor(r.nameKey, r.id)
		e.Node.ID, e.Node.Name, e.Node.Unit, e.Node.SKU = r.id, r.name, r.unit, r.sku
		e.Node.Category.ID, e.Node.Category.Name = r.categoryID, r.categoryName.String
		e.Node.Stock = r.stock()
	}
	list.PageInfo = pageInfo(rows, hasNext)
	return a, nil
}

type handStockNode struct {
	handStock
	Goods struct {
		ID       int64  `json:"id,string"`
		Name     string `json:"name"`
		Category struct {
			Name string `json:"name"`
		} `json:"category"`
	} `json:"goods"`
}

type handStockAnswer struct {
	Data struct {
		Stock struct {
			TotalCount int             `json:"totalCount"`
			Nodes      []handStockNode `json:"nodes"`
			PageInfo   handPageInfo    `json:"pageInfo"`
		} `json:"stock"`
	} `json:"data"`
}

func (h *handPages) stockPage(ctx context.Context) (*handStockAnswer, error) {
	rows, hasNext, total, err := h.page(ctx)
	if err != nil {
		return nil, err
	}
	a := new(handStockAnswer)
	list := &a.Data.Stock
	list.TotalCount = total
	list.Nodes = make([]handStockNode, len(rows))
	for i := range rows {
		r, n := &rows[i], &list.Nodes[i]
		n.handStock = r.stock()
		n.Goods.ID, n.Goods.Name, n.Goods.Category.Name = r.id, r.name, r.categoryName.String
	}
	list.PageInfo = pageInfo(rows, hasNext)
	return a, nil
}

// The yardstick answers both pages with wms's bytes, and refuses a request
// without a valid token as wms does: the benchmark compares like with like.
func TestHandwrittenPagesAnswerLikeTheAPI(t *testing.T) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		t.Run(name, func(t *testing.T) {
			logs := &logSink{}
			s := startSideBySide(t, name, logs)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("server log:\n%s", logs.String())
				}
			})
			cats, goods := shopPlan(120, 4)
			s.seed(t, cats, goods)
			active := 0
			for _, g := range goods {
				if !g.archived {
					active++
				}
			}

			for _, page := range []struct{ name, query, list string }{
				{"goods", goodsPageQuery, "goodsList"},
				{"stock", stockPageQuery, "stock"},
			} {
				want := s.page(t, s.wms, page.query)
				got := s.page(t, s.hand, page.query)
				if !bytes.Equal(got, want) {
					t.Errorf("%s page: the yardstick answers\n%s\nwms answers\n%s", page.name, got, want)
				}
				// The page is the one meant: the first fifty of the
				// unarchived goods, with every case of the stock numbers.
				var a struct {
					Data map[string]struct {
						TotalCount int
						Edges      []json.RawMessage
						Nodes      []json.RawMessage
						PageInfo   struct{ HasNextPage bool }
					}
				}
				if err := json.Unmarshal(want, &a); err != nil {
					t.Fatal(err)
				}
				list := a.Data[page.list]
				if list.TotalCount != active || len(list.Edges)+len(list.Nodes) != handPageSize || !list.PageInfo.HasNextPage {
					t.Errorf("%s page: totalCount %d (want %d), %d items, hasNextPage %v", page.name,
						list.TotalCount, active, len(list.Edges)+len(list.Nodes), list.PageInfo.HasNextPage)
				}
				for _, shown := range []string{`"averageCost":null`, `"low":true`, `"low":false`, `\u0026`, `\u003c`,
					`\u2028`, `\"Quoted\"`, `Äpfel"`, `äpfel"`, "牛奶", "🍎"} {
					if !bytes.Contains(want, []byte(shown)) {
						t.Errorf("%s page: the seeded shop does not show %s on it:\n%s", page.name, shown, want)
					}
				}
			}

			// A revoked token is refused by both once their second of
			// remembering it has passed.
			revoked, id := s.apiToken(t)
			for _, base := range []string{s.wms, s.hand} {
				if status, body := s.post(t, base, revoked, goodsPageQuery, nil); status != http.StatusOK {
					t.Fatalf("%s refused a new token: %d %s", base, status, body)
				}
			}
			s.mutate(t, `mutation($id: ID!) { revokeApiToken(id: $id) }`, map[string]any{"id": id}, nil)
			time.Sleep(1100 * time.Millisecond)
			for _, bad := range []struct{ name, token string }{
				{"no token", ""},
				{"unknown token", "wmsa_not-a-token"},
				{"revoked token", revoked},
			} {
				for _, base := range []string{s.wms, s.hand} {
					status, body := s.post(t, base, bad.token, goodsPageQuery, nil)
					if status == http.StatusOK && !bytes.Contains(body, []byte("UNAUTHENTICATED")) ||
						bytes.Contains(body, []byte(`"goodsList":{`)) {
						t.Errorf("%s: %s answered %d %s", bad.name, base, status, body)
					}
				}
			}
		})
	}
}
