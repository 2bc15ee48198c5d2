package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's configuration table is the documented contract: every
// variable the program reads is a row there, with its default, and the
// README names no variable the program does not read.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	known := map[string]bool{}
	for _, s := range settings {
		known[s.name] = true
		row := regexp.MustCompile("(?m)^\\| `" + s.name + "`[^\n]*$").FindString(text)
		if row == "" {
			t.Errorf("README has no configuration row for %s", s.name)
			continue
		}
		if s.def != "" && !strings.Contains(row, "`"+s.def+"`") {
			t.Errorf("README row for %s does not give its default %q: %s", s.name, s.def, row)
		}
		if s.secret && !strings.Contains(row, s.name+"_FILE") {
			t.Errorf("README row for secret %s does not mention %s_FILE", s.name, s.name)
		}
	}
	for _, name := range regexp.MustCompile(`WMS_[A-Z_]+`).FindAllString(text, -1) {
		base := strings.TrimSuffix(name, "_FILE")
		if !known[base] && name != "WMS_TEST_MYSQL_DSN" {
			t.Errorf("README names %s, which the configuration does not read", name)
		}
	}
}

// CI runs the test command the README gives, so the two cannot drift apart.
func TestCIRunsTheReadmeTestCommand(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?m)^(go test [^#\n]*?)\\s+# the whole test suite").FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("README does not give the test command as `go test ... # the whole test suite`")
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile("(?m)^" + regexp.QuoteMeta(m[1]) + "$").Match(ci) {
		t.Errorf(".ci/run does not run the README's test command %q on a line of its own", m[1])
	}
}
