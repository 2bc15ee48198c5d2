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
	"version": `usage: wms version   (or wms --version)

Print the module version, the VCS revision and its time, and the Go version
the binary was built with.
`,
}

// wantsHelp reports whether a subcommand's arguments ask for its help.
func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "--help" || a == "-help" })
}
