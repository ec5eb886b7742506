package http

import (
	"fmt"
	"net/http"

	"github.com/tether-ml/tether"
)

func (s *Server) listNamespaces(w http.ResponseWriter, r *http.Request) {
	list, err := s.ns.List(r.Context())
	respond(w, r, s, http.StatusOK, list, err)
}

func (s *Server) createNamespace(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	n, err := s.ns.Create(r.Context(), in.Name)
	respond(w, r, s, http.StatusCreated, n, err)
}

func (s *Server) getNamespace(w http.ResponseWriter, r *http.Request) {
	n, err := s.ns.Get(r.Context(), r.PathValue("ns"))
	respond(w, r, s, http.StatusOK, n, err)
}

func (s *Server) deleteNamespace(w http.ResponseWriter, r *http.Request) {
	force, err := boolQuery(r, "force")
	if err == nil {
		err = s.ns.Delete(r.Context(), r.PathValue("ns"), force)
	}
	respond(w, r, s, http.StatusOK, tether.MessageBody{Message: fmt.Sprintf("Namespace %s was deleted", r.PathValue("ns"))}, err)
}
