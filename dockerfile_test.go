package main

import (
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// instruction is one Dockerfile instruction as BuildKit's parser reads it.
type instruction struct {
	cmd   string   // lower case: from, run, copy …
	flags []string // --from=build, --interval=10s …
	args  []string // the words, or the elements of the JSON (exec) form
	json  bool     // written in the JSON (exec) form
	text  string   // as written
}

// buildStage is a FROM and the instructions under it.
type buildStage struct {
	image, name string
	steps       []instruction
}

// readDockerfile parses deploy/Dockerfile into its stages.
func readDockerfile(t *testing.T) []buildStage {
	t.Helper()
	f, err := os.Open("deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("deploy/Dockerfile: %v", err)
	}
	var stages []buildStage
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"], text: n.Original}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			st := buildStage{image: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "as") {
				st.name = in.args[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%q before the first FROM", in.text)
		}
		stages[len(stages)-1].steps = append(stages[len(stages)-1].steps, in)
	}
	if len(stages) == 0 {
		t.Fatal("deploy/Dockerfile has no stage")
	}
	return stages
}

// all returns the stage's instructions of one kind.
func (s buildStage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.steps {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// one returns the stage's only instruction of one kind.
func (s buildStage) one(t *testing.T, cmd string) instruction {
	t.Helper()
	all := s.all(cmd)
	if len(all) != 1 {
		t.Fatalf("the %s stage has %d %s instructions, want 1", s.image, len(all), strings.ToUpper(cmd))
	}
	return all[0]
}

func flag(in instruction, name string) string {
	for _, f := range in.flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// The image deploy/README.md describes: a static Go binary in a distroless
// image, run as a non-root user, with a health check that needs no shell or
// curl, its data on a volume.
func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a small final one", len(stages))
	}
	final := stages[len(stages)-1]
	builders := map[string]buildStage{}
	for _, st := range stages[:len(stages)-1] {
		builders[st.name] = st
	}

	// The binary the final stage runs is the one a build stage made without cgo.
	entry := final.one(t, "entrypoint")
	if !entry.json || len(entry.args) != 1 {
		t.Fatalf("ENTRYPOINT %q: want the binary alone, in exec form", entry.text)
	}
	bin := entry.args[0]
	var source, from string
	for _, cp := range final.all("copy") {
		if len(cp.args) == 2 && cp.args[1] == bin {
			source, from = cp.args[0], flag(cp, "from")
		}
	}
	build, ok := builders[from]
	if source == "" || !ok {
		t.Fatalf("the final stage does not copy %s from a build stage", bin)
	}
	static := false
	for _, run := range build.all("run") {
		cmd := strings.Join(run.args, " ")
		static = static || strings.Contains(cmd, "CGO_ENABLED=0 go build") && strings.Contains(cmd, "-o "+source+" ")
	}
	if !static {
		t.Errorf("stage %s does not build %s with CGO_ENABLED=0", build.name, source)
	}
	if !strings.HasPrefix(final.image, "gcr.io/distroless/static") {
		t.Errorf("final image %s, want distroless/static (no libc, no shell)", final.image)
	}
	// Distroless has no shell: nothing in the final stage may need one.
	if runs := final.all("run"); len(runs) > 0 {
		t.Errorf("the final stage runs %q, which needs a shell", runs[0].text)
	}
	if cmd := final.one(t, "cmd"); !cmd.json || !slices.Equal(cmd.args, []string{"serve"}) {
		t.Errorf("CMD %q, want [\"serve\"]", cmd.text)
	}

	// Not root, and the data folder is the user's.
	user := final.one(t, "user").args[0]
	if uid, _, _ := strings.Cut(user, ":"); uid == "0" || uid == "root" || uid == "" {
		t.Errorf("runs as %q, want a non-root user", user)
	}
	volume := final.one(t, "volume")
	if !volume.json || len(volume.args) != 1 {
		t.Fatalf("VOLUME %q: want one folder", volume.text)
	}
	data := volume.args[0]
	owned := false
	for _, cp := range final.all("copy") {
		owned = owned || len(cp.args) == 2 && cp.args[1] == data && flag(cp, "chown") == user
	}
	if !owned {
		t.Errorf("%s is not copied in owned by %s: the server could not write its data", data, user)
	}

	// The health check runs the binary itself, in exec form.
	hc := final.one(t, "healthcheck")
	if len(hc.args) < 1 || hc.args[0] != "CMD" || !hc.json || !slices.Equal(hc.args[1:], []string{bin, "healthcheck"}) {
		t.Errorf("HEALTHCHECK %q: want CMD [%q, \"healthcheck\"] in exec form", hc.text, bin)
	}

	// Its defaults are real settings, a valid configuration, with the data
	// on the volume and the port it exposes.
	env := map[string]string{}
	for _, e := range final.all("env") {
		for i := 0; i+1 < len(e.args); i += 3 { // name, value, "="
			env[e.args[i]] = e.args[i+1]
		}
	}
	for k := range env {
		if !slices.ContainsFunc(settings, func(s setting) bool { return s.name == k }) {
			t.Errorf("Dockerfile sets %s, which is not in the configuration contract", k)
		}
	}
	cfg := loadServiceConfig(t, env)
	for what, path := range map[string]string{"WMS_SQLITE_PATH": cfg.SQLitePath, "WMS_MEDIA_DIR": cfg.MediaDir} {
		if !strings.HasPrefix(path, data+"/") {
			t.Errorf("%s %q is not on the volume %s", what, path, data)
		}
	}
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || !slices.Contains(final.one(t, "expose").args, port) {
		t.Errorf("listens on %q but exposes %v", cfg.Addr, final.one(t, "expose").args)
	}
}
