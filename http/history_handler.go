package http

import (
	"net/http"
	"strconv"

	"github.com/tether-ml/tether"
)

// Routes of a connection's history, served beside Odahu's.
const (
	routeHistory  = "/api/v1/connection/{id}/history"
	routeVersion  = "/api/v1/connection/{id}/history/{version}"
	routeDiff     = "/api/v1/connection/{id}/history/{version}/diff/{other}"
	routeRollback = "/api/v1/connection/{id}/rollback"
)

// historyRoutes serves the history routes, in both forms, if the server
// has a history service.
func (s *Server) historyRoutes(conn func(method, route string, h http.HandlerFunc)) {
	if s.history == nil {
		return
	}
	conn("GET", routeHistory, s.listHistory)
	conn("GET", routeVersion, s.getVersion)
	conn("GET", routeDiff, s.diffVersions)
	conn("POST", routeRollback, s.rollbackConnection)
}

// listHistory answers the versions of a connection, newest first, masked:
// ?limit= (1..100, default 20) and ?before= (the last version of the
// previous page) page it.
func (s *Server) listHistory(w http.ResponseWriter, r *http.Request) {
	var p tether.Problems
	q := r.URL.Query()
	limit, _ := intParam(q, "limit", &p)
	before, _ := intParam(q, "before", &p)
	if err := p.Err("history request"); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	id := r.PathValue("id")
	list, err := s.history.History(r.Context(), namespace(r), id, tether.HistoryOptions{Before: int64(before), Limit: limit})
	if err != nil {
		s.connectionError(w, r, err, id, "")
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// getVersion answers one version, masked, or with ?decrypted=true as
// posted (the reveal permission; audited).
func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	version, err := versionParam(r, "version")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	reveal, err := boolQuery(r, "decrypted")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	id := r.PathValue("id")
	c, err := s.history.GetVersion(r.Context(), namespace(r), id, version, reveal)
	if err != nil {
		s.connectionError(w, r, err, id, "")
		return
	}
	if reveal {
		w.Header().Set("Cache-Control", "no-store")
	}
	writeJSON(w, http.StatusOK, wireConnection(c))
}

// diffVersions answers the fields that differ from one version to another.
func (s *Server) diffVersions(w http.ResponseWriter, r *http.Request) {
	a, err := versionParam(r, "version")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	b, err := versionParam(r, "other")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	id := r.PathValue("id")
	d, err := s.history.Diff(r.Context(), namespace(r), id, a, b)
	if err != nil {
		s.connectionError(w, r, err, id, "")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// rollbackConnection stores a new version with the spec and secrets of
// the version in the body; If-Match makes it conditional on the current
// version.
func (s *Server) rollbackConnection(w http.ResponseWriter, r *http.Request) {
	var req tether.RollbackRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if req.Version < 1 {
		writeError(w, r, s.log, tether.Errorf(tether.EINVALID, "rollback request: version must be a positive integer"))
		return
	}
	var opts tether.UpdateOptions
	var err error
	if opts.Force, err = boolQuery(r, "force"); err == nil {
		opts.Version, err = expectedVersion(r, 0)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	id := r.PathValue("id")
	c, err := s.history.Rollback(r.Context(), namespace(r), id, req.Version, opts)
	if err != nil {
		s.connectionError(w, r, err, id, "")
		return
	}
	writeConnection(w, http.StatusOK, c)
}

// versionParam reads the path value name as a version: a positive integer.
func versionParam(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v < 1 {
		return 0, tether.Errorf(tether.EINVALID, "path parameter %s must be a positive integer (a connection version)", name)
	}
	return v, nil
}
