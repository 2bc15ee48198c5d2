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
	for _, name := range regexp.MustCompile(`WMS_[A-Z0-9_]+`).FindAllString(text, -1) {
		base := strings.TrimSuffix(name, "_FILE")
		if !known[base] && name != "WMS_TEST_MYSQL_DSN" && name != noSkipsVar && name != benchRoundsVar && name != benchSecondsVar &&
			name != "WMS_E2E" && name != "WMS_TEST_ARTIFACTS" {
			t.Errorf("README names %s, which the configuration does not read", name)
		}
	}
}

// noSkipsVar is the test runner's (./test) switch that fails a run in which
// anything was skipped; it is the runner's, not the server's, setting.
const noSkipsVar = "WMS_TEST_NO_SKIPS"

// CI runs the test commands the README gives, exactly as written and each on
// a line of its own, so they cannot drift apart: the whole suite, and the
// whole suite under the race detector. Both run with skipping forbidden.
func TestCIRunsTheReadmeTestCommand(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"the whole test suite", "the whole test suite under the race detector"} {
		m := regexp.MustCompile("(?m)^(go [^#\n]*?)\\s+# " + what + "$").FindStringSubmatch(string(readme))
		if m == nil {
			t.Errorf("README does not give a command as `go ... # %s`", what)
			continue
		}
		if what != "the whole test suite" && !strings.Contains(m[1], "-race") {
			t.Errorf("the README's race command %q does not turn on -race", m[1])
		}
		if !regexp.MustCompile("(?m)^" + regexp.QuoteMeta(m[1]) + "$").Match(ci) {
			t.Errorf(".ci/run does not run the README's command %q on a line of its own", m[1])
		}
	}
	if !regexp.MustCompile("(?m)^export " + regexp.QuoteMeta(noSkipsVar) + "=1$").Match(ci) {
		t.Errorf(".ci/run does not forbid skipped tests (export %s=1)", noSkipsVar)
	}
}
