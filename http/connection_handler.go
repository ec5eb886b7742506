package http

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tether-ml/tether"
)

// namespace is the namespace a request addresses. Odahu's routes address
// the default namespace.
func namespace(r *http.Request) string {
	if ns := r.PathValue("ns"); ns != "" {
		return ns
	}
	return tether.DefaultNamespace
}

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request) {
	watch, opts, err := watchRequest(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if watch {
		s.watchConnections(w, r, namespace(r), opts)
		return
	}
	f, err := parseFilter(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	list, err := s.conns.List(r.Context(), namespace(r), f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := make([]connectionJSON, len(list))
	for i, c := range list {
		out[i] = wireConnection(c)
	}
	writeJSON(w, http.StatusOK, out)
}

// parseFilter reads Odahu's list parameters, type (repeatable), page and
// size, and Tether's keyset cursor, after (a connection id, checked with the
// other keys in params.go). Page × size, the records a page skips, must fit
// an int: an overflow would wrap round to another page.
func parseFilter(r *http.Request) (tether.ConnectionFilter, error) {
	q := r.URL.Query()
	f := tether.ConnectionFilter{Types: q["type"], After: q.Get("after")}
	var p tether.Problems
	f.Page, _ = intParam(q, "page", &p)
	var sized bool
	f.Size, sized = intParam(q, "size", &p)
	if sized && f.Size < 1 {
		p.Add("size", fmt.Sprintf("must be between 1 and %d", tether.MaxPageSize))
	}
	size := f.Size
	if size < 1 || size > tether.MaxPageSize {
		size = tether.DefaultPageSize
	}
	if f.Page > math.MaxInt/size {
		p.Add("page", fmt.Sprintf("must be at most %d with size %d: page × size is too large", math.MaxInt/size, size))
	}
	return f, p.Err("list request")
}

// intParam returns the integer value of the query parameter name and
// whether it is one; 0 and false if it is not given. p records a value
// that is not an integer.
func intParam(q url.Values, name string, p *tether.Problems) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.Add(name, "must be an integer")
		return 0, false
	}
	return n, true
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) {
	c, err := s.conns.Get(r.Context(), namespace(r), r.PathValue("id"))
	if err != nil {
		s.connectionError(w, r, err, r.PathValue("id"), "")
		return
	}
	writeConnection(w, http.StatusOK, c)
}

// revealConnection answers the connection as posted or, with
// ?delivery=true, as a job gets it (ConnectionService.Deliver): its
// credential exchanged for a short-lived one where its type does so.
func (s *Server) revealConnection(w http.ResponseWriter, r *http.Request) {
	delivery, err := boolQuery(r, "delivery")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	reveal := s.conns.Reveal
	if delivery {
		reveal = s.conns.Deliver
	}
	c, err := reveal(r.Context(), namespace(r), r.PathValue("id"))
	if err != nil {
		s.connectionError(w, r, err, r.PathValue("id"), "")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeConnection(w, http.StatusOK, c)
}

// writeConnection writes c with its version as ETag, for If-Match.
func writeConnection(w http.ResponseWriter, status int, c *tether.Connection) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(c.Status.Version, 10)))
	writeJSON(w, status, wireConnection(c))
}

// connectionJSON is a connection as the API writes it: with createdAt and
// updatedAt also at the top level, where Odahu's API puts them and its
// clients read them, on every route.
type connectionJSON struct {
	*tether.Connection
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

func wireConnection(c *tether.Connection) connectionJSON {
	return connectionJSON{Connection: c, CreatedAt: c.Status.CreatedAt, UpdatedAt: c.Status.UpdatedAt}
}

// connectionError writes an error of a connection route. Odahu's routes
// (no namespace in the path) answer in the words Odahu's clients and tests
// match: entity "X" is not found, entity "X" already exists (on create),
// and "Validation of connection is failed: " with every problem after it.
// The namespaced routes name the namespace of what is not found. id is the
// connection addressed; created is its id on a create, "" otherwise.
func (s *Server) connectionError(w http.ResponseWriter, r *http.Request, err error, id, created string) {
	var (
		code     = tether.ErrorCode(err)
		odahu    = r.PathValue("ns") == ""
		problems *tether.Problems
		msg      string
	)
	switch {
	case code == tether.ENOTFOUND && id != "" && odahu:
		msg = fmt.Sprintf("entity %q is not found", id)
	case code == tether.ENOTFOUND && id != "":
		msg = fmt.Sprintf("connection %q is not found in namespace %q", id, namespace(r))
	case code == tether.ECONFLICT && created != "" && odahu:
		msg = fmt.Sprintf("entity %q already exists", created)
	case code == tether.ECONFLICT && created != "":
		msg = fmt.Sprintf("connection %q already exists in namespace %q", created, namespace(r))
	case code == tether.EINVALID && odahu && errors.As(err, &problems):
		msg = "Validation of connection is failed: " + problems.Error()
	default:
		writeError(w, r, s.log, err)
		return
	}
	writeError(w, r, s.log, &tether.Error{Code: code, Message: msg, Err: err})
}

func (s *Server) createConnection(w http.ResponseWriter, r *http.Request) {
	c, err := decodeConnection(w, r)
	if err != nil {
		s.connectionError(w, r, err, "", "")
		return
	}
	out, err := s.conns.Create(r.Context(), namespace(r), c)
	if err != nil {
		s.connectionError(w, r, err, "", c.ID)
		return
	}
	writeConnection(w, http.StatusCreated, out)
}

// updateConnection serves both Odahu's PUT /connection (id in the body)
// and PUT /connection/{id}.
func (s *Server) updateConnection(w http.ResponseWriter, r *http.Request) {
	c, opts, err := updateRequest(w, r)
	if err != nil {
		s.connectionError(w, r, err, "", "")
		return
	}
	out, err := s.conns.Update(r.Context(), namespace(r), c, opts)
	if err != nil {
		s.connectionError(w, r, err, c.ID, "")
		return
	}
	writeConnection(w, http.StatusOK, out)
}

func updateRequest(w http.ResponseWriter, r *http.Request) (*tether.Connection, tether.UpdateOptions, error) {
	var opts tether.UpdateOptions
	c, err := decodeConnection(w, r)
	if err != nil {
		return nil, opts, err
	}
	if id := r.PathValue("id"); id != "" {
		if c.ID != "" && c.ID != id {
			return nil, opts, tether.Errorf(tether.EINVALID, "id in the body (%q) differs from id in the path (%q)", c.ID, id)
		}
		c.ID = id
	}
	opts.Force, err = boolQuery(r, "force")
	if err != nil {
		return nil, opts, err
	}
	opts.Version, err = expectedVersion(r, c.Status.Version)
	return c, opts, err
}

// expectedVersion reads the version an update is conditional on, from
// If-Match or from the body's status.version; both must agree if both are
// given.
func expectedVersion(r *http.Request, body int64) (int64, error) {
	h := r.Header.Get("If-Match")
	if h == "" || h == "*" {
		return body, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(strings.TrimSpace(h), "W/"), `"`), 10, 64)
	if err != nil || v < 1 {
		return 0, tether.Errorf(tether.EINVALID, "If-Match must be a connection version such as \"3\"")
	}
	if body != 0 && body != v {
		return 0, tether.Errorf(tether.EINVALID, "If-Match (%d) and status.version (%d) differ", v, body)
	}
	return v, nil
}

func boolQuery(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, tether.Errorf(tether.EINVALID, "query parameter %s must be true or false", name)
	}
	return b, nil
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.conns.Delete(r.Context(), namespace(r), id); err != nil {
		s.connectionError(w, r, err, id, "")
		return
	}
	writeJSON(w, http.StatusOK, tether.MessageBody{Message: fmt.Sprintf("Connection %s was deleted", id)})
}

// decodeConnection reads the connection in the body. Its id, a key of the
// stores (and of the audit log, where a denial is recorded), is held to the
// text rule of every key at once; the pattern is checked with the rest.
func decodeConnection(w http.ResponseWriter, r *http.Request) (*tether.Connection, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	c, err := tether.DecodeConnection(body)
	if err == nil {
		if msg := tether.TextProblem(c.ID, maxLabel); msg != "" {
			return nil, tether.Errorf(tether.EINVALID, "connection is invalid: id: %s", msg)
		}
	}
	return c, err
}

func (s *Server) connectionUsage(w http.ResponseWriter, r *http.Request) {
	since, err := sinceQuery(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	u, err := s.audit.Usage(r.Context(), namespace(r), r.PathValue("id"), since)
	if err != nil {
		s.connectionError(w, r, err, r.PathValue("id"), "")
		return
	}
	writeJSON(w, http.StatusOK, u)
}
