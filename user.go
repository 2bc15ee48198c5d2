package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"wms/auth"
	"wms/db"
	"wms/model"
)

// stdin is where `wms user` reads passwords; tests replace it.
var stdin io.Reader = os.Stdin

// bootstrapAdmin creates the first ADMIN when there are no users. With no
// WMS_ADMIN_PASSWORD the password is random and printed in the log this once.
func bootstrapAdmin(ctx context.Context, users *auth.Service, cfg Config, log zerolog.Logger) error {
	created, generated, err := users.Bootstrap(ctx, cfg.AdminUser, cfg.AdminPassword)
	switch {
	case err != nil:
		return err
	case created && generated != "":
		log.Warn().Str("username", cfg.AdminUser).Str("password", generated).
			Msg("FIRST START: created the ADMIN user with this random password, shown only this once; sign in and change it")
	case created:
		log.Info().Str("username", cfg.AdminUser).Msg("created the first ADMIN user with WMS_ADMIN_PASSWORD")
	}
	return nil
}

// userCommand is `wms user …`: the operator's way to add users, reset a
// password or lock someone out, without the API.
func userCommand(ctx context.Context, cfg Config, log zerolog.Logger, args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprint(stderr, "usage: wms user create NAME ROLE | passwd NAME | disable NAME | enable NAME\n"+
			"  ROLE is ADMIN, CLERK or VIEWER; create and passwd read the password from stdin\n")
		return 2
	}
	if len(args) < 2 {
		return usage()
	}
	// A wrong role is refused before anyone types a password.
	if args[0] == "create" && len(args) == 3 && !model.Role(strings.ToUpper(args[2])).Valid() {
		fmt.Fprintf(stderr, "wms user create: unknown role %q: use ADMIN, CLERK or VIEWER\n", args[2])
		return 2
	}
	bdb := openMigrated(ctx, cfg, log)
	if bdb == nil {
		return 1
	}
	defer bdb.Close()
	users := auth.NewService(db.NewStore(bdb), cfg.SessionTTL, log)
	name := args[1]
	switch {
	case args[0] == "create" && len(args) == 3:
		pw, err := readPassword(stdout)
		if err == nil {
			_, err = users.CreateUser(ctx, model.UserInput{Username: name, Password: pw, Role: model.Role(strings.ToUpper(args[2]))})
		}
		return report(stderr, err, stdout, fmt.Sprintf("created %s (%s)", name, strings.ToUpper(args[2])))
	case args[0] == "passwd" && len(args) == 2:
		pw, err := readPassword(stdout)
		if err == nil {
			err = users.SetPassword(ctx, name, pw)
		}
		return report(stderr, err, stdout, fmt.Sprintf("new password set for %s; their sessions and tokens are revoked", name))
	case args[0] == "disable" && len(args) == 2:
		return report(stderr, users.Disable(ctx, name, true), stdout, fmt.Sprintf("disabled %s; their sessions and tokens are revoked", name))
	case args[0] == "enable" && len(args) == 2:
		return report(stderr, users.Disable(ctx, name, false), stdout, fmt.Sprintf("enabled %s", name))
	}
	return usage()
}

func readPassword(prompt io.Writer) (string, error) {
	fmt.Fprint(prompt, "password: ")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	fmt.Fprintln(prompt)
	return strings.TrimRight(line, "\r\n"), nil
}

func report(stderr io.Writer, err error, stdout io.Writer, ok string) int {
	if err != nil {
		fmt.Fprintf(stderr, "wms user: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, ok)
	return 0
}
