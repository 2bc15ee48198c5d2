package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// buildInfo is what the binary knows of its own build, from
// debug.ReadBuildInfo: the module version, and the VCS revision, its time and
// whether the tree had changes, when the build recorded them (a build from a
// git checkout does; `go run` does not).
type buildInfo struct {
	Path, Version, Checksum string
	Revision, Time          string
	Modified                bool
	GoVersion               string
}

func readBuildInfo() buildInfo {
	b := buildInfo{Path: "wms", Version: "(devel)", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Path, b.Version, b.Checksum = info.Main.Path, info.Main.Version, info.Main.Sum
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// printVersion is `wms version` and `wms --version`.
func printVersion(w io.Writer) {
	b := readBuildInfo()
	revision, at := b.Revision, b.Time
	if revision == "" {
		revision = "unknown (not built from a git checkout)"
	}
	if b.Modified {
		revision += " (with uncommitted changes)"
	}
	if at == "" {
		at = "unknown"
	}
	fmt.Fprintf(w, "wms %s\nrevision: %s\ncommitted: %s\ngo: %s\n", b.Version, revision, at, b.GoVersion)
}

// buildInfoGauge is go_build_info: the labels of Prometheus' own build-info
// collector (path, version, checksum) and the VCS revision, time and
// modified flag.
func buildInfoGauge() prometheus.Collector {
	b := readBuildInfo()
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "go_build_info",
		Help: "Build information about the main Go module: its version, VCS revision and time.",
		ConstLabels: prometheus.Labels{"path": b.Path, "version": b.Version, "checksum": b.Checksum,
			"revision": b.Revision, "vcs_time": b.Time, "modified": fmt.Sprint(b.Modified)},
	}, func() float64 { return 1 })
}
