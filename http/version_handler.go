package http

import (
	"net/http"

	"github.com/tether-ml/tether/internal/version"
)

// serveVersion answers GET /version with the server's build, as
// kube-apiserver's /version does. It needs no credentials, like /healthz:
// a version, a commit, a build date, the Go version and the platform are
// what the image's labels already publish, and nothing secret (no
// configuration, no address, no data); "tether version" reads it to show
// the server beside the client.
func (s *Server) serveVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, version.Get())
}
