// Command codegen generates graph/generated.go with gqlgen (configured by
// gqlgen.yml at the root) and then makes the generated executor marshal
// objects sequentially, in the goroutine that resolves them:
//
//   - Objects other than Query, Mutation and Subscription resolve their
//     fields one after the other (gqlgen's DisableConcurrency, which gqlgen
//     sets for Mutation only). Every field resolver here is cheap or goes
//     through a loader that never waits (graph/loader.go), so a goroutine
//     per field buys nothing and costs a goroutine start and stack growth.
//   - Lists marshal their elements in a loop (marshalSlice) instead of
//     graphql.MarshalSliceConcurrently, which starts a goroutine per element.
//   - Those objects write their fields with objectFields instead of
//     graphql.FieldSet and set up no @defer group: a field of theirs is never
//     deferred (@defer allows a server to answer a fragment inline, and no
//     transport of ours streams incremental payloads).
//   - A field that reads a struct field or a plain method of its object,
//     with no resolver, no directive and a leaf type whose marshaller cannot
//     fail, is written directly with its marshaller instead of through
//     graphql.ResolveField, which builds a field context (and a context
//     around it) for each one. A Decimal is written directly only when it is
//     Readable; an unreadable one still goes through ResolveField, so its
//     error names its field. A plain field whose value is an object or a
//     list is marshalled directly too, under its field context (made as
//     ResolveField makes it), so errors below it still name their path.
//     Such fields do not pass through field middleware (AroundFields); the
//     server installs none.
//   - The data of a query's or mutation's response is written into a buffer
//     from a pool (newDataBuffer) that the POST transport gives back.
//
// Query and Mutation objects are left as gqlgen generates them. The
// rewrites are checked: each pattern must be found as expected, or the
// command fails rather than leave a half-rewritten file.
//
//	go generate ./graph   (runs: go run ./codegen)
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"golang.org/x/tools/imports"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "codegen:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfigFromDefaultLocations() // enters the root
	if err != nil {
		return err
	}
	if err := api.Generate(cfg, api.AddPlugin(sequential{})); err != nil {
		return err
	}
	file := cfg.Exec.Filename
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := rewrite(src)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	out, err = imports.Process(file, out, nil)
	if err != nil {
		return fmt.Errorf("%s: fixing imports: %w", file, err)
	}
	return os.WriteFile(file, out, 0o644)
}

// sequential marks every object but the root ones as resolved sequentially.
type sequential struct{}

func (sequential) Name() string { return "sequential" }

func (sequential) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !o.Root {
			o.DisableConcurrency = true
		}
	}
	return nil
}

// readable are the types whose marshaller fails for a value that was not read
// exactly, and which tell it by a Readable method.
var readable = map[string]bool{"model.Quantity": true, "model.UnitCost": true, "model.Money": true}

var (
	sliceCall = regexp.MustCompile(`graphql\.MarshalSliceConcurrently\(ctx, len\(v\), 0, (true|false), func\(`)

	// A generated field function whose value is a field or a plain method
	// of its object, without middleware.
	plainField = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (_\w+)\(ctx context\.Context, field graphql\.CollectedField, obj \*?[\w.\[\]*]+\) \(ret graphql\.Marshaler\) \{
	return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.(fieldContext_\w+)\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return (obj\.\w+(?:\(\))?), nil
		\},
		nil,
		func\(ctx context\.Context, selections ast\.SelectionSet, v (\*?[\w.]+)\) graphql\.Marshaler \{
			return ec\.(marshal[^\s(]+)\(ctx, selections, v\)
		\},
`)

	marshalFunc = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (marshal[^\s(]+)\(ctx context\.Context, sel ast\.SelectionSet, v [^)]*\) graphql\.Marshaler \{\n((?:.*\n)*?)\}\n`)

	// The object function of a non-root object.
	objectFunc = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (_\w+)\(ctx context\.Context, sel ast\.SelectionSet, obj [^)]*\) graphql\.Marshaler \{\n((?:.*\n)*?)\}\n`)

	// A field context made without reading arguments (its ctx unused).
	fieldContextFunc = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (fieldContext_\w+)\(_ context\.Context, field graphql\.CollectedField\) \(fc \*graphql\.FieldContext, err error\) \{\n\tfc = &graphql\.FieldContext\{\n`)

	fieldCall = regexp.MustCompile(`(?m)^(\t+)out\.Values\[i\] = ec\.(_\w+)\(ctx, field, obj\)\n`)
)

const (
	dataBuffer    = "var buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n"
	newFieldSet   = "\tout := graphql.NewFieldSet(fields)\n\tdeferred := graphql.NewDeferredGroup(ctx)\n"
	dispatch      = "\tout.Dispatch(ctx)\n"
	deferredGroup = "\tif n := len(deferred.Defers); n > 0 {\n\t\tatomic.AddInt32(&ec.Deferred, int32(min(n, math.MaxInt32)))\n\t\tec.ProcessDeferredGroup(deferred)\n\t}\n"
)

// leaf is a marshaller of a scalar or enum: it marshals the value itself,
// without descending into objects or lists. context tells one that can fail
// by the context.
type leaf struct{ context bool }

func leaves(src []byte) map[string]leaf {
	ls := map[string]leaf{}
	for _, m := range marshalFunc.FindAllSubmatch(src, -1) {
		body := string(m[2])
		if strings.Contains(body, "ec._") || strings.Contains(body, "ec.marshal") ||
			strings.Contains(body, "MarshalSlice") || strings.Contains(body, "marshalSlice") {
			continue
		}
		ls[string(m[1])] = leaf{context: strings.Contains(body, "ContextMarshaler")}
	}
	return ls
}

// inlined is the direct write of one plain field.
type inlined struct {
	expr, typ, marshal string
	guarded            bool   // a leaf written directly only when Readable
	context            string // an object's: the function making its field context
}

func inlinable(src []byte, ls map[string]leaf) map[string]inlined {
	in := map[string]inlined{}
	plainContext := map[string]bool{}
	for _, m := range fieldContextFunc.FindAllSubmatch(src, -1) {
		plainContext[string(m[1])] = true
	}
	for _, m := range plainField.FindAllSubmatch(src, -1) {
		fn, fc, expr, typ, marshal := string(m[1]), string(m[2]), string(m[3]), string(m[4]), string(m[5])
		l, ok := ls[marshal]
		if !ok {
			// An object or a list: its own fields need the field context
			// (their errors name their path through it). Given directly when
			// making it reads no arguments.
			if plainContext[fc] {
				in[fn] = inlined{expr: expr, typ: typ, marshal: marshal, context: fc}
			}
			continue
		}
		if strings.HasPrefix(typ, "*") && strings.HasPrefix(marshal, "marshalN") {
			// A nil for a non-null field is an error that must name the field.
			continue
		}
		f := inlined{expr: expr, typ: typ, marshal: marshal}
		if l.context {
			if !readable[strings.TrimPrefix(typ, "*")] {
				continue
			}
			f.guarded = true
		}
		in[fn] = f
	}
	return in
}

func rewrite(src []byte) ([]byte, error) {
	n := len(sliceCall.FindAll(src, -1))
	if n == 0 {
		return nil, fmt.Errorf("no graphql.MarshalSliceConcurrently call found: has gqlgen's list template changed?")
	}
	src = sliceCall.ReplaceAll(src, []byte("marshalSlice(ctx, len(v), !$1, func("))
	if bytes.Contains(src, []byte("MarshalSliceConcurrently")) {
		return nil, fmt.Errorf("a graphql.MarshalSliceConcurrently call of another form is left")
	}

	// The response data is marshalled into a pooled buffer; the POST
	// transport returns it to the pool once the response is written.
	if n := bytes.Count(src, []byte(dataBuffer)); n != 2 {
		return nil, fmt.Errorf("found the response buffer %d times, not twice (query, mutation)", n)
	}
	src = bytes.ReplaceAll(src, []byte(dataBuffer), []byte("buf := newDataBuffer()\n\t\t\tdata.MarshalGQL(buf)\n"))

	ls := leaves(src)
	in := inlinable(src, ls)
	if len(in) == 0 {
		return nil, fmt.Errorf("no plain leaf field found: has gqlgen's field template changed?")
	}

	objects := 0
	var failed error
	src = objectFunc.ReplaceAllFunc(src, func(fn []byte) []byte {
		if failed != nil {
			return fn
		}
		s := string(fn)
		if strings.Contains(s, "ResolveConcurrently") || strings.Contains(s, "ResolveRootConcurrently") {
			failed = fmt.Errorf("%s resolves fields concurrently after all", objectFunc.FindStringSubmatch(s)[1])
			return fn
		}
		for _, part := range []string{newFieldSet, dispatch, deferredGroup} {
			if strings.Count(s, part) != 1 {
				failed = fmt.Errorf("%s: expected once: %q", objectFunc.FindStringSubmatch(s)[1], part)
				return fn
			}
		}
		s = strings.Replace(s, newFieldSet, "\tout := newObjectFields(fields)\n", 1)
		s = strings.Replace(s, dispatch, "", 1)
		s = strings.Replace(s, deferredGroup, "", 1)
		s = fieldCall.ReplaceAllStringFunc(s, func(call string) string {
			m := fieldCall.FindStringSubmatch(call)
			indent, name := m[1], m[2]
			f, ok := in[name]
			if !ok {
				return call
			}
			if f.context != "" {
				return fmt.Sprintf("%[1]sif fc, err := ec.%[2]s(ctx, field); err == nil {\n%[1]s\tout.Values[i] = ec.%[3]s(graphql.WithFieldContext(ctx, fc), field.Selections, %[4]s)\n%[1]s} else {\n%[1]s\tout.Values[i] = ec.%[5]s(ctx, field, obj)\n%[1]s}\n",
					indent, f.context, f.marshal, f.expr, name)
			}
			return direct(indent, name, f)
		})
		objects++
		return []byte(s)
	})
	if failed != nil {
		return nil, failed
	}
	if objects == 0 {
		return nil, fmt.Errorf("no object function found: has gqlgen's object template changed?")
	}
	return src, nil
}

// direct writes the value of the plain leaf field f of the object function
// call name without ResolveField. Strings, booleans and readable decimals
// go into the object without an allocation of their own where they can
// (graph/marshal.go); any other leaf through its marshaller.
func direct(indent, name string, f inlined) string {
	field := !strings.HasSuffix(f.expr, ")") // a struct field, addressable
	var b strings.Builder
	line := func(format string, args ...any) {
		b.WriteString(indent)
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	switch {
	case f.marshal == "marshalNString2string" && field:
		line("out.Values[i] = (*stringValue)(&%s)", f.expr)
	case f.marshal == "marshalOString2ᚖstring":
		line("if v := %s; v != nil {", f.expr)
		line("\tout.Values[i] = (*stringValue)(v)")
		line("} else {")
		line("\tout.Values[i] = graphql.Null")
		line("}")
	case f.marshal == "marshalNBoolean2bool":
		line("out.Values[i] = boolValue(%s)", f.expr)
	case f.guarded && strings.HasPrefix(f.typ, "*"):
		line("if v := %s; v == nil {", f.expr)
		line("\tout.Values[i] = graphql.Null")
		line("} else if v.Readable() {")
		line("\tout.Values[i] = v")
		line("} else {")
		line("\tout.Values[i] = ec.%s(ctx, field, obj)", name)
		line("}")
	case f.guarded:
		line("if v := %s; v.Readable() {", f.expr)
		line("\tout.Values[i] = v")
		line("} else {")
		line("\tout.Values[i] = ec.%s(ctx, field, obj)", name)
		line("}")
	default:
		line("out.Values[i] = ec.%s(ctx, field.Selections, %s)", f.marshal, f.expr)
	}
	return b.String()
}
