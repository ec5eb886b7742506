package http

import (
	"net/http"

	"github.com/tether-ml/tether"
)

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := tether.AuditFilter{Namespace: q.Get("namespace"), Connection: q.Get("connection"), Actions: q["action"]}
	var err error
	if f.Since, err = sinceQuery(r); err == nil {
		f.Limit, err = intQuery(r, "limit")
	}
	if err == nil {
		var after int
		after, err = intQuery(r, "after")
		f.AfterID = int64(after)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	list, err := s.audit.List(r.Context(), f)
	respond(w, r, s, http.StatusOK, list, err)
}
