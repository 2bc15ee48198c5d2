package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// shop is a small module whose tests pass, skip and fail in known ways.
var shop = map[string]string{
	"go.mod": "module shop\n\ngo 1.25\n",
	"shelf/shelf_test.go": `package shelf

import "testing"

func TestCounts(t *testing.T) { t.Log("counting the shelf") }

func TestScales(t *testing.T) {
	for _, db := range []string{"small", "large", "huge"} {
		t.Run(db, func(t *testing.T) {
			if db != "small" {
				t.Skipf("no %s scale in the shop", db)
			}
		})
	}
}
`,
	"till/till_test.go": `package till

import "testing"

func TestTill(t *testing.T) { t.Skip("the till is closed") }
`,
	"broken/broken_test.go": `package broken

import "testing"

func TestFine(t *testing.T) { t.Log("fine words") }

func TestBalance(t *testing.T) { t.Errorf("balance is %d, want 0", 7) }
`,
	"empty/empty.go": "package empty\n",
}

func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runIn(t *testing.T, dir string, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, func(k string) string { return env[k] }, dir, &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestSummaryCountsAndExplainsSkips(t *testing.T) {
	dir := writeModule(t, shop)
	code, out := runIn(t, dir, nil)
	if code != 1 {
		t.Errorf("exit %d with a failing test\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	// TestCounts, TestScales, TestScales/small and TestFine pass; TestBalance
	// fails; two subtests and TestTill skip.
	if last != "tests: 4 passed, 1 failed, 3 skipped" {
		t.Errorf("closing line %q\n%s", last, out)
	}
	want := `skipped 3 of 8: 1 "no huge scale in the shop"; 1 "no large scale in the shop"; 1 "the till is closed"`
	if lines[len(lines)-2] != want {
		t.Errorf("skip line %q, want %q", lines[len(lines)-2], want)
	}
	// As go test shows it: an ok line per passing package, the failing
	// test's output, and nothing of the tests that passed.
	for _, re := range []string{`(?m)^ok  \tshop/shelf\t`, `(?m)^ok  \tshop/till\t`, `(?m)^--- FAIL: TestBalance`,
		`(?m)^    broken_test.go:7: balance is 7, want 0$`, `(?m)^FAIL\tshop/broken\t`, `(?m)^\?   \tshop/empty\t\[no test files\]`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", re, out)
		}
	}
	for _, quiet := range []string{"counting the shelf", "fine words", "=== RUN", "--- SKIP", "--- PASS"} {
		if strings.Contains(out, quiet) {
			t.Errorf("output shows %q, which go test hides for passing packages:\n%s", quiet, out)
		}
	}
}

func TestSkipsFailTheRunWhenForbidden(t *testing.T) {
	dir := writeModule(t, shop)
	if code, out := runIn(t, dir, nil, "./shelf", "./till"); code != 0 || !strings.Contains(out, "tests: 3 passed, 0 failed, 3 skipped") {
		t.Errorf("skips allowed: exit %d\n%s", code, out)
	}
	code, out := runIn(t, dir, map[string]string{NoSkipsVar: "1"}, "./shelf", "./till")
	if code != 1 || !strings.Contains(out, "FAIL: 3 tests skipped") {
		t.Errorf("skips forbidden: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, map[string]string{NoSkipsVar: "1"}, "-run", "TestCounts", "./shelf"); code != 0 ||
		!strings.HasSuffix(out, "tests: 1 passed, 0 failed, 0 skipped\n") || strings.Contains(out, "skipped 0") {
		t.Errorf("nothing skipped: exit %d\n%s", code, out)
	}
}

func TestVerboseShowsEverything(t *testing.T) {
	dir := writeModule(t, shop)
	code, out := runIn(t, dir, nil, "-v", "./shelf")
	if code != 0 {
		t.Errorf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"=== RUN   TestCounts", "counting the shelf", "--- SKIP: TestScales/huge", "no huge scale in the shop"} {
		if !strings.Contains(out, want) {
			t.Errorf("-v output lacks %q:\n%s", want, out)
		}
	}
}

func TestBuildFailuresAreShown(t *testing.T) {
	dir := writeModule(t, map[string]string{"go.mod": "module shop\n\ngo 1.25\n",
		"bad/bad_test.go": "package bad\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { undefinedThing() }\n"})
	code, out := runIn(t, dir, nil)
	if code == 0 || !strings.Contains(out, "undefined: undefinedThing") || !strings.Contains(out, "tests: 0 passed, 0 failed, 0 skipped") {
		t.Errorf("a build failure: exit %d\n%s", code, out)
	}
}
