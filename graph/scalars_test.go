package graph

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// onlyWriter hides every method of a writer but Write.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// marshalled is what m writes into gqlgen's bytes.Buffer (after what the
// buffer already holds) and into a writer with nothing but Write.
func marshalled(m graphql.Marshaler) (intoBuffer, intoWriter string) {
	var buf bytes.Buffer
	buf.WriteString("[")
	m.MarshalGQL(&buf)
	var w strings.Builder
	m.MarshalGQL(onlyWriter{&w})
	return strings.TrimPrefix(buf.String(), "["), w.String()
}

// IDs, Ints and Times are written as they were formatted before they were
// appended in place: strconv.Quote of the decimal id, the decimal Int, and
// strconv.Quote of the time in RFC 3339 in UTC with as many fractional
// digits as it has.
func TestIDIntAndTimeAreWrittenAsBefore(t *testing.T) {
	ints := []int64{0, 1, -1, 9, 10, 255, 256, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		n := rng.Int64() >> rng.IntN(64)
		ints = append(ints, n, -n)
	}
	for _, n := range ints {
		id := strconv.Quote(strconv.FormatInt(n, 10))
		if b, w := marshalled(MarshalInt64ID(n)); b != id || w != id {
			t.Fatalf("id %d: %s and %s, want %s", n, b, w, id)
		}
		text := strconv.FormatInt(n, 10)
		if b, w := marshalled(MarshalInt64(n)); b != text || w != text {
			t.Fatalf("int64 %d: %s and %s, want %s", n, b, w, text)
		}
		if b, w := marshalled(MarshalInt(int(n))); b != strconv.Itoa(int(n)) || w != b {
			t.Fatalf("int %d: %s and %s", n, b, w)
		}
	}

	east := time.FixedZone("east", 5*3600+30*60)
	west := time.FixedZone("west", -8*3600)
	times := []time.Time{
		{},
		time.Unix(0, 0),
		time.Now(), // with a monotonic reading
		time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC),
		time.Date(2026, 11, 24, 8, 30, 0, 500_000_000, time.UTC),
		time.Date(2026, 11, 24, 8, 30, 0, 123_456_789, east),
		time.Date(2026, 11, 24, 8, 30, 0, 1, west),
		time.Date(2026, 11, 24, 8, 30, 0, 120_000, time.Local),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, east),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, west),
		time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(12345, 6, 1, 0, 0, 0, 0, time.UTC),
	}
	for range 2000 {
		times = append(times, time.Unix(rng.Int64N(400_000_000_000)-62_000_000_000, rng.Int64N(1e9)).In(east))
		times = append(times, time.Unix(rng.Int64N(4_000_000_000), rng.Int64N(1000)*1000))
	}
	for _, tm := range times {
		want := strconv.Quote(tm.UTC().Format(time.RFC3339Nano))
		if b, w := marshalled(MarshalTime(tm)); b != want || w != want {
			t.Fatalf("%v: %s and %s, want %s", tm, b, w, want)
		}
	}
}

// Writing an ID, an Int or a Time into gqlgen's buffer allocates nothing.
func TestScalarsWriteWithoutAllocating(t *testing.T) {
	ms := []graphql.Marshaler{MarshalInt64ID(1234567), MarshalInt(-98765), MarshalInt64(1 << 40),
		MarshalTime(time.Date(2026, 11, 24, 8, 30, 0, 123_456_000, time.UTC))}
	var buf bytes.Buffer
	buf.Grow(1024)
	if allocs := testing.AllocsPerRun(100, func() {
		buf.Reset()
		for _, m := range ms {
			m.MarshalGQL(&buf)
		}
	}); allocs != 0 {
		t.Errorf("%v allocations writing %d scalars", allocs, len(ms))
	}
}
