// Package version tells which build of tether is running. A release build
// stamps its version, commit and date with the linker:
//
//	go build -ldflags "-X github.com/tether-ml/tether/internal/version.version=v1.2.0 \
//	  -X github.com/tether-ml/tether/internal/version.commit=$(git rev-parse HEAD) \
//	  -X github.com/tether-ml/tether/internal/version.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
//
// Whatever is not stamped comes from the build information the Go
// toolchain embeds (the module version for "go install ...@v1.2.0", the
// VCS revision and commit time for a build in a git work tree).
package version

import (
	"cmp"
	"runtime"
	"runtime/debug"

	"github.com/tether-ml/tether"
)

// Set by the linker (-ldflags -X), which can only set package-level string
// variables; nothing assigns them at run time.
var (
	version   string
	commit    string
	buildDate string
)

// Devel is the version of a build that carries none.
const Devel = "(devel)"

// Get returns the build of the running binary.
func Get() tether.BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return FromBuild(bi, tether.BuildInfo{Version: version, Commit: commit, BuildDate: buildDate})
}

// FromBuild completes stamped, the values set by the linker, with what the
// toolchain recorded in bi (nil when there is none): the module's version,
// vcs.revision and vcs.time. A stamped value always wins.
func FromBuild(bi *debug.BuildInfo, stamped tether.BuildInfo) tether.BuildInfo {
	out := stamped
	out.GoVersion = runtime.Version()
	out.Platform = runtime.GOOS + "/" + runtime.GOARCH
	if bi == nil {
		out.Version = cmp.Or(out.Version, Devel)
		return out
	}
	out.GoVersion = cmp.Or(bi.GoVersion, out.GoVersion)
	out.Version = cmp.Or(out.Version, bi.Main.Version, Devel)
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			out.Commit = cmp.Or(out.Commit, s.Value)
		case "vcs.time":
			out.BuildDate = cmp.Or(out.BuildDate, s.Value)
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	// A binary built from a work tree with uncommitted changes is not
	// the commit it names.
	if modified && stamped.Commit == "" && out.Commit != "" {
		out.Commit += "-dirty"
	}
	return out
}
