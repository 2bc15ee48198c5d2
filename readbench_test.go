package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"wms/db/dbtest"
)

// BenchmarkReadSideBySide measures wms's read path against the hand-written
// yardstick (handwritten_test.go) on the same database, over HTTP, with wrk:
//
//	go test -run '^$' -bench ReadSideBySide -benchtime 1x .
//
// On SQLite always, and on MariaDB when WMS_TEST_MYSQL_DSN is set, it seeds
// 1 000 goods in 20 categories (most with stock, some archived), starts wms
// in-process with its production settings (the memory tuning of main, the
// JSON log into a file) and the yardstick on its own port, and then loads
// them in turn, WMS_BENCH_ROUNDS rounds (default 3) of WMS_BENCH_SECONDS
// seconds each (default 4): wms goods page, yardstick goods page, wms stock
// page, yardstick stock page. Interleaving keeps a change in the machine's
// load from favouring one side. Each round prints req/s, p50 and p99 of both
// and the ratio wms/yardstick; at the end the median ratio per page, which
// is also reported as the metrics ratio-goods and ratio-stock.
func BenchmarkReadSideBySide(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Fatalf("wrk is not installed (apt-get install wrk, brew install wrk): %v", err)
	}
	rounds := benchSetting(b, benchRoundsVar, 3)
	seconds := benchSetting(b, benchSecondsVar, 4)

	// main tunes the garbage collector before anything else; so does the
	// benchmark, and puts it back after.
	gc := debug.SetGCPercent(100)
	debug.SetGCPercent(gc)
	limit := debug.SetMemoryLimit(-1)
	tuneMemory(os.LookupEnv, cgroupMemoryLimit())
	b.Cleanup(func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	})

	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			logs, err := os.Create(filepath.Join(dir, "wms.log"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = logs.Close() })
			s := startSideBySide(b, name, logs)
			cats, goods := shopPlan(1000, 20)
			s.seed(b, cats, goods)

			pages := []struct{ name, query string }{{"goods", goodsPageQuery}, {"stock", stockPageQuery}}
			scripts := map[string]string{}
			for _, p := range pages {
				want, got := s.page(b, s.wms, p.query), s.page(b, s.hand, p.query)
				if !bytes.Equal(got, want) {
					b.Fatalf("%s page: the yardstick answers\n%s\nwms answers\n%s", p.name, got, want)
				}
				scripts[p.name] = wrkScript(b, dir, p.name, s.token, p.query)
			}

			ratios := map[string][]float64{}
			for round := 1; round <= rounds; round++ {
				for _, p := range pages {
					w := runWrk(b, wrk, s.wms+"/query", scripts[p.name], seconds)
					h := runWrk(b, wrk, s.hand+"/query", scripts[p.name], seconds)
					ratio := w.perSecond / h.perSecond
					ratios[p.name] = append(ratios[p.name], ratio)
					b.Logf("%s round %d %s page: wms %7.0f req/s p50 %6.2f ms p99 %6.2f ms | hand %7.0f req/s p50 %6.2f ms p99 %6.2f ms | wms/hand %.2f",
						name, round, p.name, w.perSecond, ms(w.p50), ms(w.p99), h.perSecond, ms(h.p50), ms(h.p99), ratio)
				}
			}
			for _, p := range pages {
				r := ratios[p.name]
				b.Logf("%s %s page: median wms/hand %.2f over %d rounds %.2f", name, p.name, median(r), len(r), r)
				b.ReportMetric(median(r), "ratio-"+p.name)
			}
			// The time of one run (seeding and all rounds) says nothing.
			b.ReportMetric(0, "ns/op")
		})
	}
}

// The benchmark's own settings: they are not the server's.
const (
	benchRoundsVar  = "WMS_BENCH_ROUNDS"
	benchSecondsVar = "WMS_BENCH_SECONDS"
)

// benchSetting reads a positive whole number from the environment.
func benchSetting(b *testing.B, name string, def int) int {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a whole number of at least 1", name, v)
	}
	return n
}

// wrkScript writes the Lua script that has wrk post the document with the
// token, and answers its path.
func wrkScript(b *testing.B, dir, name, token, query string) string {
	body, _ := json.Marshal(map[string]string{"query": query})
	// A long bracket whose level the body cannot close.
	eq := ""
	for strings.Contains(string(body), "]"+eq+"]") {
		eq += "="
	}
	script := fmt.Sprintf("wrk.method = \"POST\"\n"+
		"wrk.headers[\"Content-Type\"] = \"application/json\"\n"+
		"wrk.headers[\"Authorization\"] = \"Bearer %s\"\n"+
		"wrk.body = [%s[%s]%s]\n", token, eq, body, eq)
	path := filepath.Join(dir, name+".lua")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	perSecond float64
	p50, p99  time.Duration
}

var (
	wrkPerSecond = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)$`)
	wrkLatency   = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s|m)$`)
	wrkSocket    = regexp.MustCompile(`(?m)^\s+Socket errors: (.*)$`)
	wrkNon2xx    = regexp.MustCompile(`(?m)^\s+Non-2xx or 3xx responses: (\d+)$`)
)

// runWrk loads url for seconds from 32 connections on 2 threads and reads
// wrk's report; any failed request or socket error fails the benchmark.
func runWrk(b *testing.B, wrk, url, script string, seconds int) wrkResult {
	b.Helper()
	out, err := exec.Command(wrk, "-t2", "-c32", fmt.Sprintf("-d%ds", seconds), "--timeout", "10s", "--latency",
		"-s", script, url).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	res, err := parseWrk(string(out))
	if err != nil {
		b.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	return res
}

func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		return r, fmt.Errorf("%s answers were not 2xx", m[1])
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		return r, fmt.Errorf("socket errors: %s", m[1])
	}
	m := wrkPerSecond.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk's report")
	}
	r.perSecond, _ = strconv.ParseFloat(m[1], 64)
	if r.perSecond <= 0 {
		return r, fmt.Errorf("no request answered")
	}
	units := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute}
	for _, m := range wrkLatency.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * float64(units[m[3]]))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.p50 == 0 || r.p99 == 0 {
		return r, fmt.Errorf("no latency distribution in wrk's report (--latency)")
	}
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// wrk's report, as wrk 4.1 writes it with --latency.
const wrkReport = `Running 1s test @ http://127.0.0.1:18765/query
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   865.20us    1.68ms  15.35ms   87.30%
    Req/Sec     1.44k   216.39     1.73k    40.00%
  Latency Distribution
     50%  812.00us
     75%    2.12ms
     90%    3.71ms
     99%    1.05s
  1437 requests in 1.00s, 729.73KB read
Requests/sec:   1434.72
Transfer/sec:    728.57KB
`

// The benchmark reads req/s and the p50 and p99 latencies in whatever unit
// wrk chose, and refuses a run in which a request failed.
func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkReport)
	if err != nil || r.perSecond != 1434.72 || r.p50 != 812*time.Microsecond || r.p99 != 1050*time.Millisecond {
		t.Errorf("parseWrk: %+v, %v", r, err)
	}
	for _, bad := range []struct{ name, report string }{
		{"non-2xx", strings.Replace(wrkReport, "Requests/sec", "  Non-2xx or 3xx responses: 1437\nRequests/sec", 1)},
		{"socket errors", strings.Replace(wrkReport, "Requests/sec",
			"  Socket errors: connect 0, read 3, write 0, timeout 2\nRequests/sec", 1)},
		{"no latency distribution", strings.Replace(wrkReport, "     99%    1.05s\n", "", 1)},
		{"nothing answered", strings.Replace(wrkReport, "1434.72", "0.00", 1)},
		{"not a report", "unable to connect to 127.0.0.1:18765 Connection refused"},
	} {
		if _, err := parseWrk(bad.report); err == nil {
			t.Errorf("%s: no error", bad.name)
		}
	}
}

// The README gives the command that runs this benchmark and names its
// settings.
func TestReadmeRunsTheReadBenchmark(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	name := runtime.FuncForPC(reflect.ValueOf(BenchmarkReadSideBySide).Pointer()).Name()
	name = strings.TrimPrefix(name[strings.LastIndex(name, ".")+1:], "Benchmark")
	for _, want := range []string{"go test -run '^$' -bench " + name + " -benchtime 1x .", benchRoundsVar, benchSecondsVar} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README does not give %s", want)
		}
	}
}
