// Command test runs the whole test suite (go test ./...) and closes with what
// go test alone does not say: how many tests passed, failed and were skipped,
// and why the skipped ones were.
//
//	go run ./test                  # go test ./... and the summary
//	go run ./test -race            # any go test flags; packages as ./path
//	go run ./test -v -run Ledger ./db
//
// It runs `go test -json` and prints what go test prints in its package list
// mode: an "ok" line for each package that passes, the output of the tests
// that fail. Its last two lines are the summary, for example
//
//	skipped 61 of 367: 55 "WMS_TEST_MYSQL_DSN is not set: MySQL run skipped"; 4 "WMS_TEST_MYSQL_DSN is not set: process test against MariaDB skipped"; …
//	tests: 306 passed, 0 failed, 61 skipped
//
// Its exit status is go test's. With WMS_TEST_NO_SKIPS=1 (as CI sets it) a run
// in which any test skipped fails too.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

// NoSkipsVar names the variable that makes any skipped test fail the run.
const NoSkipsVar = "WMS_TEST_NO_SKIPS"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, ".", os.Stdout, os.Stderr))
}

// run runs go test -json with args in dir, prints its report on stdout and
// returns the exit status.
func run(args []string, getenv func(string) string, dir string, stdout, stderr io.Writer) int {
	goArgs := append([]string{"test", "-json"}, args...)
	if !slices.ContainsFunc(args, isPackagePattern) {
		goArgs = append(goArgs, "./...")
	}
	cmd := exec.Command("go", goArgs...)
	cmd.Dir = dir
	cmd.Stderr = stderr
	events, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	r := newReport(stdout, slices.Contains(args, "-v") || slices.Contains(args, "-test.v"))
	if err := r.read(events); err != nil {
		fmt.Fprintf(stderr, "reading go test -json: %v\n", err)
	}
	code := 0
	if err := cmd.Wait(); err != nil {
		code = 1
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() > 0 {
			code = ee.ExitCode()
		}
	}
	r.summarise()
	if code == 0 && r.skipped > 0 && getenv(NoSkipsVar) != "" {
		fmt.Fprintf(stdout, "FAIL: %d tests skipped, and %s forbids skipping\n", r.skipped, NoSkipsVar)
		code = 1
	}
	return code
}

// isPackagePattern tells a package argument (./db, ./...) from a flag or a
// flag's value.
func isPackagePattern(arg string) bool {
	return arg == "." || strings.HasPrefix(arg, "./") || strings.HasPrefix(arg, "../")
}

// event is one line of go test -json (a TestEvent or a BuildEvent).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// report follows the events of a run and prints them the way go test does.
type report struct {
	out     io.Writer
	verbose bool
	// pending is each running package's output, kept until the package
	// ends: only then is it known whether go test would show it.
	pending map[string][]line
	// done says how each finished test of a package ended.
	done map[string]map[string]string
	// why is the last line each test printed, its skip reason once it skips.
	why map[string]string

	passed, failed, skipped int
	reasons                 map[string]int
}

type line struct{ test, text string }

func newReport(out io.Writer, verbose bool) *report {
	return &report{out: out, verbose: verbose, pending: map[string][]line{},
		done: map[string]map[string]string{}, why: map[string]string{}, reasons: map[string]int{}}
}

// read consumes the event stream; lines that are not JSON (say, a panic of
// the go command) are printed as they are.
func (r *report) read(events io.Reader) error {
	sc := bufio.NewScanner(events)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(r.out, sc.Text())
			continue
		}
		r.add(e)
	}
	return sc.Err()
}

// skipPrefix is the file:line a t.Skip message starts with.
var skipPrefix = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

func (r *report) add(e event) {
	key := e.Package + " " + e.Test
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.out, e.Output)
	case "output":
		if r.verbose {
			fmt.Fprint(r.out, e.Output)
		} else {
			r.pending[e.Package] = append(r.pending[e.Package], line{e.Test, e.Output})
		}
		if e.Test != "" {
			if t := strings.TrimSpace(e.Output); t != "" && !strings.HasPrefix(t, "===") && !strings.HasPrefix(t, "---") {
				r.why[key] = skipPrefix.ReplaceAllString(e.Output, "")
			}
		}
	case "pass", "fail", "skip":
		if e.Test == "" {
			r.finish(e.Package, e.Action)
			return
		}
		if r.done[e.Package] == nil {
			r.done[e.Package] = map[string]string{}
		}
		r.done[e.Package][e.Test] = e.Action
		switch e.Action {
		case "pass":
			r.passed++
		case "fail":
			r.failed++
		case "skip":
			r.skipped++
			r.reasons[strings.TrimSpace(r.why[key])]++
		}
		delete(r.why, key)
	}
}

// finish prints a finished package as go test's package list mode does: all
// but the output of tests that passed or skipped (and of their RUN lines),
// unless the run is verbose and has printed it all already.
func (r *report) finish(pkg, action string) {
	lines := r.pending[pkg]
	delete(r.pending, pkg)
	if r.verbose {
		return
	}
	for _, l := range lines {
		if t := strings.TrimSpace(l.text); strings.HasPrefix(t, "=== ") || t == "PASS" {
			continue
		}
		if l.test != "" && (action != "fail" || r.done[pkg][l.test] == "pass" || r.done[pkg][l.test] == "skip") {
			continue
		}
		fmt.Fprint(r.out, l.text)
	}
	delete(r.done, pkg)
}

// summarise prints the closing lines: why tests were skipped, most common
// reason first, then the counts.
func (r *report) summarise() {
	if r.skipped > 0 {
		reasons := make([]string, 0, len(r.reasons))
		for why := range r.reasons {
			reasons = append(reasons, why)
		}
		slices.SortFunc(reasons, func(a, b string) int {
			if d := r.reasons[b] - r.reasons[a]; d != 0 {
				return d
			}
			return strings.Compare(a, b)
		})
		parts := make([]string, len(reasons))
		for i, why := range reasons {
			if why == "" {
				why = "no reason given"
			}
			parts[i] = fmt.Sprintf("%d %q", r.reasons[reasons[i]], why)
		}
		fmt.Fprintf(r.out, "skipped %d of %d: %s\n", r.skipped, r.passed+r.failed+r.skipped, strings.Join(parts, "; "))
	}
	fmt.Fprintf(r.out, "tests: %d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped)
}
