package http

import (
	"fmt"
	"net/http"

	"github.com/tether-ml/tether"
)

func (s *Server) listRoleBindings(w http.ResponseWriter, r *http.Request) {
	list, err := s.rb.List(r.Context(), r.URL.Query().Get("namespace"))
	respond(w, r, s, http.StatusOK, list, err)
}

func (s *Server) createRoleBinding(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Subject   string      `json:"subject"`
		Role      tether.Role `json:"role"`
		Namespace string      `json:"namespace"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	b, err := s.rb.Create(r.Context(), tether.RoleBinding{Subject: in.Subject, Role: in.Role, Namespace: in.Namespace})
	respond(w, r, s, http.StatusCreated, b, err)
}

func (s *Server) deleteRoleBinding(w http.ResponseWriter, r *http.Request) {
	err := s.rb.Delete(r.Context(), r.PathValue("id"))
	respond(w, r, s, http.StatusOK, tether.MessageBody{Message: fmt.Sprintf("Role binding %s was deleted", r.PathValue("id"))}, err)
}
