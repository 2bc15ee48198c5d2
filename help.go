package main

import "slices"

// commandHelp is each subcommand's --help text.
var commandHelp = map[string]string{
	"serve": `usage: wms serve

Serve the API (the default command): GraphQL at /query, the IDE at /, uploads
at /upload, files at /media/…, /healthz, /readyz, /metrics, /schema.graphql.
It listens at once, waits for the database (WMS_DB_WAIT), applies the
migrations, and serves until SIGTERM or SIGINT.

Configuration is read from WMS_* environment variables; see README.md.
`,
	"migrate": `usage: wms migrate

Apply the embedded database migrations and exit (0 when applied). Several
replicas may run it at once: they take turns under a lock.
`,
	"user": `usage: wms user create NAME ROLE | passwd NAME | disable NAME | enable NAME

Manage users without the API. ROLE is ADMIN, CLERK or VIEWER. create and
passwd read the password from stdin (one line); passwd, disable and enable
end the user's sessions and API tokens (enable only lifts the lock).
`,
	"healthcheck": `usage: wms healthcheck

Exit 0 if the server on WMS_ADDR is ready (GET /readyz answers 200), else 1:
for container health checks, with no curl or shell needed.
`,
	"media": `usage: wms media migrate --to s3

Copy every file of the folder store (WMS_MEDIA_DIR) into the S3 bucket
(WMS_S3_ENDPOINT, WMS_S3_BUCKET, WMS_S3_ACCESS_KEY, WMS_S3_SECRET_KEY), read
each object back and check its SHA-256, then check that every file the
database refers to is in the bucket. Objects already there are verified,
not copied again, so it may be run again after a failure. Exit 0 when all is
verified; then set WMS_MEDIA_STORE=s3.
`,
	"backup": `usage: wms backup FILE

Write a consistent copy of the SQLite database (WMS_SQLITE_PATH) to FILE while
the server runs (VACUUM INTO: the database at one instant), and beside it
FILE.media.json, the media files the copy refers to. Copy the media store
(WMS_MEDIA_DIR or the bucket) after it: files are only ever added under new
names, so a later copy holds every file the backup needs. FILE must not
exist. For MySQL see README (mysqldump --single-transaction).
`,
	"restore": `usage: wms restore [--force] FILE

Put the backup FILE in place of the SQLite database (WMS_SQLITE_PATH); stop
the server first. A database that holds data is replaced only with --force.
The backup is checked first (integrity, a wms database), and afterwards every
media file it refers to is looked for in the media store: exit 1 if any is
missing.
`,
	"version": `usage: wms version   (or wms --version)

Print the module version, the VCS revision and its time, and the Go version
the binary was built with.
`,
}

// wantsHelp reports whether a subcommand's arguments ask for its help.
func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "--help" || a == "-help" })
}
