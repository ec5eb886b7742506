package http

import (
	"net/http"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// typeSchemas describes every type of reg, read once: the registry does
// not change while the server runs.
func typeSchemas(reg tether.TypeRegistry) []*tether.TypeSchema {
	out := []*tether.TypeSchema{}
	if reg == nil {
		return out
	}
	for _, t := range reg.Types() {
		out = append(out, conntype.Schema(t))
	}
	return out
}

// listTypes answers every connection type the server accepts, with the
// JSON Schema of its spec, sorted by name. Any authenticated caller may
// read them: they hold no connection.
func (s *Server) listTypes(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.types)
}

// getType answers one connection type, or 404.
func (s *Server) getType(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	for _, t := range s.types {
		if t.Name == name {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	writeError(w, r, s.log, tether.Errorf(tether.ENOTFOUND, "connection type %q does not exist", name))
}
