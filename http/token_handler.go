package http

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tether-ml/tether"
)

func tokenInfo(t *tether.Token) tether.TokenInfo {
	return tether.TokenInfo{ID: t.ID, Subject: t.Subject, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	list, err := s.tokens.List(r.Context())
	out := []tether.TokenInfo{}
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
	respond(w, r, s, http.StatusOK, tether.MessageBody{Message: fmt.Sprintf("Token %s was revoked", r.PathValue("id"))}, err)
}
