package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	// The zone database is built in: WMS_TIMEZONE works in an image without
	// /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/model"
)

// Config is the whole environment contract of SPEC §5, read once at start.
type Config struct {
	Addr            string
	DB              string
	SQLitePath      string
	MySQL           db.MySQLOptions
	MaxOpenConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
	DBWait          time.Duration
	RequestTimeout  time.Duration
	// Limits of what one client may hold: see limits.go.
	MaxQueryBytes   int
	BodyTimeout     time.Duration
	UploadTimeout   time.Duration
	WriteTimeout    time.Duration
	MaxConns        int
	MaxConnsPerAddr int
	MediaDir        string
	MaxUploadBytes  int64
	UploadTypes     []string
	ExportTTL       time.Duration
	DefaultLocation string
	// Live stock: how long events are kept, how far ahead the daily scan
	// looks for expiring lots, and whether webhooks may call private
	// addresses.
	EventRetention      time.Duration
	EventPoll           time.Duration
	ExpiryWarn          time.Duration
	WebhookAllowPrivate bool
	AdminUser           string
	AdminPassword       string
	SessionTTL          time.Duration
	TrustedProxies      auth.TrustedProxies
	Playground          bool
	Introspection       bool
	// CORSOrigins are the browser origins allowed to call the API; "*" is
	// any; none sends no CORS headers. See cors.go.
	CORSOrigins []string
	// MediaURLTTL is how long a signed media URL works; MediaSigningKey
	// signs them (empty: a key kept in the database). See medialinks.go.
	MediaURLTTL     time.Duration
	MediaSigningKey string
	// Timezone decides the business day: the date in generated document
	// codes and the day boundaries of reports.
	Timezone *time.Location
	// LogFormat is "console" or "json"; empty means console on a terminal.
	LogFormat string
	LogLevel  zerolog.Level
}

// setting is one environment variable: its name, default, meaning, and how it
// is checked and stored. Secrets also read NAME_FILE (a Docker secret) and are
// never logged.
type setting struct {
	name   string
	def    string
	help   string
	secret bool
	set    func(c *Config, v string) error
}

// settings is the table of every variable wms reads; the README's
// configuration table lists the same rows (a test keeps them in step).
var settings = []setting{
	{"WMS_ADDR", ":8080", "listen address", false, func(c *Config, v string) error {
		return nonEmpty(&c.Addr, v)
	}},
	{"WMS_DB", "sqlite", "`sqlite` or `mysql`", false, func(c *Config, v string) error {
		if v != db.SQLite && v != db.MySQL {
			return fmt.Errorf("must be %q or %q", db.SQLite, db.MySQL)
		}
		c.DB = v
		return nil
	}},
	{"WMS_SQLITE_PATH", "./data/wms.db", "SQLite file (its folder is created)", false, func(c *Config, v string) error {
		return nonEmpty(&c.SQLitePath, v)
	}},
	{"WMS_MYSQL_HOST", "mysql", "MySQL host: the compose service name, not 127.0.0.1", false, func(c *Config, v string) error {
		return nonEmpty(&c.MySQL.Host, v)
	}},
	{"WMS_MYSQL_PORT", "3306", "MySQL port", false, func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return errors.New("must be a port number (1–65535)")
		}
		c.MySQL.Port = n
		return nil
	}},
	{"WMS_MYSQL_USER", "wms", "MySQL user", false, func(c *Config, v string) error {
		return nonEmpty(&c.MySQL.User, v)
	}},
	{"WMS_MYSQL_PASSWORD", "", "MySQL password (or WMS_MYSQL_PASSWORD_FILE)", true, func(c *Config, v string) error {
		c.MySQL.Password = v
		return nil
	}},
	{"WMS_MYSQL_DATABASE", "wms", "MySQL database", false, func(c *Config, v string) error {
		return nonEmpty(&c.MySQL.Database, v)
	}},
	{"WMS_MYSQL_DSN", "", "a full go-sql-driver DSN (or WMS_MYSQL_DSN_FILE); overrides the five above", true, func(c *Config, v string) error {
		if v != "" {
			if _, err := db.MySQLConfig(db.MySQLOptions{DSN: v}); err != nil {
				return errors.New("is not a valid go-sql-driver DSN (user:password@tcp(host:3306)/wms)")
			}
		}
		c.MySQL.DSN = v
		return nil
	}},
	{"WMS_DB_MAX_OPEN_CONNS", "20", "most open connections (idle connections kept: as many)", false, func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errors.New("must be a whole number from 1 to 1000")
		}
		c.MaxOpenConns = n
		return nil
	}},
	{"WMS_DB_CONN_MAX_LIFETIME", "3m", "a pooled connection is closed after this long", false, func(c *Config, v string) error {
		return duration(&c.ConnMaxLifetime, v)
	}},
	{"WMS_DB_CONN_MAX_IDLE_TIME", "1m", "an idle pooled connection is closed after this long", false, func(c *Config, v string) error {
		return duration(&c.ConnMaxIdleTime, v)
	}},
	{"WMS_DB_WAIT", "60s", "how long start-up keeps retrying an unreachable database", false, func(c *Config, v string) error {
		return duration(&c.DBWait, v)
	}},
	{"WMS_REQUEST_TIMEOUT", "5s", "an API request that takes longer fails with UNAVAILABLE (say, while the database is away)", false, func(c *Config, v string) error {
		return duration(&c.RequestTimeout, v)
	}},
	{"WMS_MAX_QUERY_BYTES", "65536", "largest GraphQL query document, in bytes, however it is sent (QUERY_TOO_LARGE)", false, func(c *Config, v string) error {
		return count(&c.MaxQueryBytes, v, 1, 1<<20)
	}},
	{"WMS_BODY_TIMEOUT", "30s", "a request must send its whole body within this (uploads: WMS_UPLOAD_TIMEOUT)", false, func(c *Config, v string) error {
		return duration(&c.BodyTimeout, v)
	}},
	{"WMS_UPLOAD_TIMEOUT", "10m", "an upload (`/upload`, multipart GraphQL) must send its whole body within this", false, func(c *Config, v string) error {
		return duration(&c.UploadTimeout, v)
	}},
	{"WMS_WRITE_TIMEOUT", "30s", "a response that the client takes no part of for this long is cut off", false, func(c *Config, v string) error {
		return duration(&c.WriteTimeout, v)
	}},
	{"WMS_MAX_CONNS", "1000", "most connections open at once; more wait to be accepted", false, func(c *Config, v string) error {
		return count(&c.MaxConns, v, 1, 1<<20)
	}},
	{"WMS_MAX_CONNS_PER_ADDR", "500", "most connections open at once from one address (0: no limit); more are refused with 503", false, func(c *Config, v string) error {
		return count(&c.MaxConnsPerAddr, v, 0, 1<<20)
	}},
	{"WMS_MEDIA_DIR", "./data/media", "where uploaded and generated files are stored", false, func(c *Config, v string) error {
		return nonEmpty(&c.MediaDir, v)
	}},
	{"WMS_MAX_UPLOAD_BYTES", "10485760", "largest upload, in bytes", false, func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return errors.New("must be a positive number of bytes")
		}
		c.MaxUploadBytes = n
		return nil
	}},
	{"WMS_UPLOAD_TYPES", "image/jpeg,image/png,image/gif,image/webp,application/pdf", "content types accepted for upload, as sniffed from the bytes", false, func(c *Config, v string) error {
		c.UploadTypes = nil
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if !strings.Contains(t, "/") {
				return fmt.Errorf("%q is not a content type such as image/png", t)
			}
			c.UploadTypes = append(c.UploadTypes, t)
		}
		if len(c.UploadTypes) == 0 {
			return errors.New("must list at least one content type")
		}
		return nil
	}},
	{"WMS_EXPORT_TTL", "24h", "how long a generated report is kept before it is removed", false, func(c *Config, v string) error {
		return duration(&c.ExportTTL, v)
	}},
	{"WMS_EVENT_RETENTION", "720h", "how long events are kept for events(after:) and webhook redelivery", false, func(c *Config, v string) error {
		return duration(&c.EventRetention, v)
	}},
	{"WMS_EVENT_POLL", "100ms", "how often each server process reads new events for its subscribers", false, func(c *Config, v string) error {
		return duration(&c.EventPoll, v)
	}},
	{"WMS_EXPIRY_WARN_DAYS", "3", "the daily LOTS_EXPIRING event lists lots expiring within this many days", false, func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 365 {
			return errors.New("must be a number of days from 0 to 365")
		}
		c.ExpiryWarn = time.Duration(n) * 24 * time.Hour
		return nil
	}},
	{"WMS_WEBHOOK_ALLOW_PRIVATE", "false", "let webhooks call loopback, link-local and private addresses (tests, a receiver on the same network)", false, func(c *Config, v string) error {
		return boolean(&c.WebhookAllowPrivate, v)
	}},
	{"WMS_DEFAULT_LOCATION", db.DefaultLocationName, "the name of the location made when locations first appear, holding all stock stored before; changes nothing afterwards", false, func(c *Config, v string) error {
		name, err := model.LocationName(v)
		if err != nil {
			return errors.New("must be 1–50 characters of one line")
		}
		c.DefaultLocation = name
		return nil
	}},
	{"WMS_ADMIN_USER", "admin", "the first ADMIN, created only when there are no users", false, func(c *Config, v string) error {
		return nonEmpty(&c.AdminUser, v)
	}},
	{"WMS_ADMIN_PASSWORD", "", "its password (or WMS_ADMIN_PASSWORD_FILE); random and printed once when unset", true, func(c *Config, v string) error {
		if v != "" {
			if err := model.CheckPassword("", v); err != nil {
				return err
			}
		}
		c.AdminPassword = v
		return nil
	}},
	{"WMS_SESSION_TTL", "168h", "a session ends this long after its last use", false, func(c *Config, v string) error {
		return duration(&c.SessionTTL, v)
	}},
	{"WMS_TRUSTED_PROXIES", "", "reverse proxies (IPs or CIDR ranges, comma-separated) whose X-Forwarded-For gives the client address; none by default", false, func(c *Config, v string) error {
		p, err := auth.ParseTrustedProxies(v)
		if err != nil {
			return err
		}
		c.TrustedProxies = p
		return nil
	}},
	{"WMS_PLAYGROUND", "true", "serve the GraphQL IDE at / and /playground", false, func(c *Config, v string) error {
		return boolean(&c.Playground, v)
	}},
	{"WMS_INTROSPECTION", "true", "answer schema introspection", false, func(c *Config, v string) error {
		return boolean(&c.Introspection, v)
	}},
	{"WMS_CORS_ORIGINS", "", "browser origins allowed to call the API (comma-separated, exact, or `*`); none: no CORS headers", false, func(c *Config, v string) error {
		origins, err := parseOrigins(v)
		c.CORSOrigins = origins
		return err
	}},
	{"WMS_MEDIA_URL_TTL", "1h", "how long a signed media URL (Media.url) works", false, func(c *Config, v string) error {
		return duration(&c.MediaURLTTL, v)
	}},
	{"WMS_MEDIA_SIGNING_KEY", "", "the key that signs media URLs (or WMS_MEDIA_SIGNING_KEY_FILE), at least 32 characters; generated and kept in the database when unset", true, func(c *Config, v string) error {
		if v != "" && len(v) < 32 {
			return errors.New("must be at least 32 characters")
		}
		c.MediaSigningKey = v
		return nil
	}},
	{"WMS_TIMEZONE", "UTC", "IANA time zone of the business day: the date in generated document codes and report day boundaries", false, func(c *Config, v string) error {
		loc, err := time.LoadLocation(v)
		if err != nil || v == "" || v == "Local" {
			return errors.New("must be an IANA time zone name such as UTC or Asia/Shanghai")
		}
		c.Timezone = loc
		return nil
	}},
	{"WMS_LOG_FORMAT", "", "`console` or `json`; default console on a terminal, else json", false, func(c *Config, v string) error {
		if v != "" && v != "console" && v != "json" {
			return errors.New(`must be "console" or "json"`)
		}
		c.LogFormat = v
		return nil
	}},
	{"WMS_LOG_LEVEL", "info", "`debug`, `info`, `warn` or `error`", false, func(c *Config, v string) error {
		l, err := zerolog.ParseLevel(v)
		if err != nil || v == "" {
			return errors.New("must be debug, info, warn or error")
		}
		c.LogLevel = l
		return nil
	}},
}

// LoadConfig reads the configuration from the environment (lookup is
// os.LookupEnv in production). Every bad value is reported, each naming its
// variable, so one failed start shows all that is wrong.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	var c Config
	var errs []error
	for _, s := range settings {
		v, err := s.value(lookup)
		if err == nil {
			err = s.set(&c, v)
			if err != nil {
				err = fmt.Errorf("%s=%q %w", s.name, shown(s, v), err)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

// value is the variable's value: NAME, else the content of the file NAME_FILE
// names (for a secret), else the default.
func (s setting) value(lookup func(string) (string, bool)) (string, error) {
	v, set := lookup(s.name)
	if !s.secret {
		if !set {
			return s.def, nil
		}
		return v, nil
	}
	path, fileSet := lookup(s.name + "_FILE")
	switch {
	case set && fileSet:
		return "", fmt.Errorf("%s and %s_FILE are both set; use one", s.name, s.name)
	case fileSet:
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: cannot read %s: %w", s.name, path, errors.Unwrap(err))
		}
		// Secret files usually end with a newline that is not part of the secret.
		return strings.TrimRight(string(b), "\r\n"), nil
	case set:
		return v, nil
	default:
		return s.def, nil
	}
}

// shown is how a value appears in an error message: secrets never do.
func shown(s setting, v string) string {
	if s.secret {
		return "(hidden)"
	}
	return v
}

func nonEmpty(dst *string, v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	*dst = v
	return nil
}

func duration(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return errors.New("must be a positive duration such as 90s, 3m or 1h")
	}
	*dst = d
	return nil
}

func count(dst *int, v string, least, most int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < least || n > most {
		return fmt.Errorf("must be a whole number from %d to %d", least, most)
	}
	*dst = n
	return nil
}

func boolean(dst *bool, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("must be true or false")
	}
	*dst = b
	return nil
}

// dbOptions are the database settings of the configuration.
func (c Config) dbOptions(log zerolog.Logger) db.Options {
	return db.Options{
		Driver: c.DB, SQLitePath: c.SQLitePath, MySQL: c.MySQL,
		MaxOpenConns: c.MaxOpenConns, ConnMaxLifetime: c.ConnMaxLifetime, ConnMaxIdleTime: c.ConnMaxIdleTime,
		Wait: c.DBWait, Log: log,
	}
}
