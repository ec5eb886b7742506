package http

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tether-ml/tether"
)

// decodeJSON reads a small JSON body into v with the one strict decoder
// every route uses (tether.DecodeJSON).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return tether.DecodeJSON(body, v, "request body", nil)
}

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
	respond(w, r, s, http.StatusOK, errorBody{Message: fmt.Sprintf("Namespace %s was deleted", r.PathValue("ns"))}, err)
}

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
	respond(w, r, s, http.StatusOK, errorBody{Message: fmt.Sprintf("Role binding %s was deleted", r.PathValue("id"))}, err)
}

// TokenInfo describes an API token; Token is set only in the answer that
// creates it.
type TokenInfo struct {
	ID        string     `json:"id"`
	Subject   string     `json:"subject"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Token     string     `json:"token,omitempty"`
}

func tokenInfo(t *tether.Token) TokenInfo {
	return TokenInfo{ID: t.ID, Subject: t.Subject, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	list, err := s.tokens.List(r.Context())
	out := []TokenInfo{}
	for _, t := range list {
		out = append(out, tokenInfo(t))
	}
	respond(w, r, s, http.StatusOK, out, err)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Subject string `json:"subject"`
		TTL     string `json:"ttl,omitempty"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var ttl time.Duration
	if in.TTL != "" {
		d, err := time.ParseDuration(in.TTL)
		if err != nil {
			writeError(w, r, s.log, tether.Errorf(tether.EINVALID, "ttl %q is not a duration such as 24h", in.TTL))
			return
		}
		ttl = d
	}
	token, t, err := s.tokens.Create(r.Context(), in.Subject, ttl)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	info := tokenInfo(t)
	info.Token = token
	writeJSON(w, http.StatusCreated, info)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	err := s.tokens.Revoke(r.Context(), r.PathValue("id"))
	respond(w, r, s, http.StatusOK, errorBody{Message: fmt.Sprintf("Token %s was revoked", r.PathValue("id"))}, err)
}

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

// sinceQuery reads ?since= as a duration back from now (e.g. 24h) or an
// RFC 3339 time.
func sinceQuery(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("since")
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, tether.Errorf(tether.EINVALID, "since must be a duration such as 24h or an RFC 3339 time")
}

func intQuery(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, tether.Errorf(tether.EINVALID, "%s must be a non-negative integer", name)
	}
	return n, nil
}

// respond writes v with status, or err.
func respond(w http.ResponseWriter, r *http.Request, s *Server, status int, v any, err error) {
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, status, v)
}
