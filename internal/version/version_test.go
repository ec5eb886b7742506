package version_test

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/version"
)

// TestFromBuild: what the linker stamped wins; what it did not comes from
// the toolchain's build information (module version, vcs.revision,
// vcs.time), and a build that has neither says "(devel)".
func TestFromBuild(t *testing.T) {
	vcs := func(settings ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i+1 < len(settings); i += 2 {
			out = append(out, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return out
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name    string
		bi      *debug.BuildInfo
		stamped tether.BuildInfo
		want    tether.BuildInfo
	}{{
		name: "no build information, nothing stamped",
		want: tether.BuildInfo{Version: "(devel)", GoVersion: runtime.Version(), Platform: platform},
	}, {
		name:    "stamped by -ldflags -X",
		bi:      &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v0.0.0-20260101000000-aaaaaaaaaaaa"}, Settings: vcs("vcs.revision", "aaaa", "vcs.time", "2026-01-01T00:00:00Z", "vcs.modified", "true")},
		stamped: tether.BuildInfo{Version: "v1.2.0", Commit: "bbbb", BuildDate: "2026-02-03T04:05:06Z"},
		want:    tether.BuildInfo{Version: "v1.2.0", Commit: "bbbb", BuildDate: "2026-02-03T04:05:06Z", GoVersion: "go1.99.1", Platform: platform},
	}, {
		name: "go install module@version",
		bi:   &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v1.3.0"}},
		want: tether.BuildInfo{Version: "v1.3.0", GoVersion: "go1.99.1", Platform: platform},
	}, {
		name: "go build in a clean work tree",
		bi:   &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "cccc", "vcs.time", "2026-03-04T05:06:07Z", "vcs.modified", "false")},
		want: tether.BuildInfo{Version: "(devel)", Commit: "cccc", BuildDate: "2026-03-04T05:06:07Z", GoVersion: "go1.99.1", Platform: platform},
	}, {
		name: "go build with uncommitted changes",
		bi:   &debug.BuildInfo{GoVersion: "go1.99.1", Settings: vcs("vcs.revision", "dddd", "vcs.modified", "true")},
		want: tether.BuildInfo{Version: "(devel)", Commit: "dddd-dirty", GoVersion: "go1.99.1", Platform: platform},
	}, {
		name:    "version stamped, commit and date from the toolchain",
		bi:      &debug.BuildInfo{GoVersion: "go1.99.1", Settings: vcs("vcs.revision", "eeee", "vcs.time", "2026-04-05T06:07:08Z")},
		stamped: tether.BuildInfo{Version: "v2.0.0-rc.1"},
		want:    tether.BuildInfo{Version: "v2.0.0-rc.1", Commit: "eeee", BuildDate: "2026-04-05T06:07:08Z", GoVersion: "go1.99.1", Platform: platform},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, version.FromBuild(tt.bi, tt.stamped)); diff != "" {
				t.Errorf("FromBuild (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGet: the test binary carries no stamp, so its build is the
// toolchain's: never an empty version, Go version or platform.
func TestGet(t *testing.T) {
	got := version.Get()
	if got.Version == "" || got.GoVersion != runtime.Version() || got.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("Get() = %+v, want a version, Go %s on %s/%s", got, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
}
