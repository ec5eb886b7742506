package tether

// PathVersion is the route that reports the server's build, as
// kube-apiserver's /version does. Like /healthz it needs no credentials.
const PathVersion = "/version"

// BuildInfo describes one build of the tether binary: the answer of
// GET /version and what "tether version" prints for each side.
type BuildInfo struct {
	// Version is the release (e.g. v1.2.0), a Go pseudo-version, or
	// "(devel)" for a build from a work tree.
	Version string `json:"version"`
	// Commit is the VCS revision the binary was built from, "" if unknown.
	Commit string `json:"commit"`
	// BuildDate is when it was built (RFC 3339), or else the commit's
	// time; "" if unknown.
	BuildDate string `json:"buildDate"`
	// GoVersion is the Go toolchain that built it.
	GoVersion string `json:"goVersion"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}
