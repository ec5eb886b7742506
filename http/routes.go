package http

import (
	"net/http"
	"strings"

	"github.com/tether-ml/tether"
)

// Route patterns. Odahu's routes are served verbatim and address the
// default namespace; Tether's extensions sit beside them.
const (
	routeConnections   = tether.PathConnections
	routeConnection    = "/api/v1/connection/{id}"
	routeDecrypted     = "/api/v1/connection/{id}/decrypted"
	routeUsage         = "/api/v1/connection/{id}/usage"
	routeTest          = "/api/v1/connection/{id}/test"
	routeTestUnsaved   = "/api/v1/connection/test"
	routeNSPrefix      = "/api/v1/namespaces/{ns}"
	routeNamespaces    = tether.PathNamespaces
	routeNamespace     = "/api/v1/namespaces/{ns}"
	routeRoleBindings  = tether.PathRoleBindings
	routeRoleBinding   = "/api/v1/rolebindings/{id}"
	routeTokens        = tether.PathTokens
	routeToken         = "/api/v1/tokens/{id}"
	routeAudit         = tether.PathAudit
	routeRotateKeys    = tether.PathRotateKeys
	routeBackup        = tether.PathBackup
	routeRestore       = tether.PathRestore
	routeTypes         = tether.PathTypes
	routeType          = tether.PathTypes + "/{name}"
	namespacedInfix    = "/namespaces/{ns}"
	connectionsSegment = "/connection"
)

func (s *Server) routes() {
	// An API request's path and query values are checked first, then its
	// caller is authenticated.
	api := func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, s.checkParams(s.authenticate(h)))
	}
	// Every connection route twice: Odahu's (default namespace) and the
	// namespaced one, /api/v1/namespaces/{ns}/connection...
	conn := func(method, route string, h http.HandlerFunc) {
		api(method+" "+route, h)
		api(method+" "+strings.Replace(route, "/api/v1", "/api/v1"+namespacedInfix, 1), h)
	}
	conn("GET", routeConnections, s.listConnections)
	conn("POST", routeConnections, s.createConnection)
	conn("PUT", routeConnections, s.updateConnection)
	conn("PUT", routeConnection, s.updateConnection)
	conn("GET", routeConnection, s.getConnection)
	conn("DELETE", routeConnection, s.deleteConnection)
	conn("GET", routeDecrypted, s.revealConnection)
	conn("GET", routeUsage, s.connectionUsage)
	s.historyRoutes(conn)
	if s.probes != nil {
		// POST .../connection/test has one segment fewer than a stored
		// connection's test, and no other route takes POST there.
		conn("POST", routeTest, s.testConnection)
		conn("POST", routeTestUnsaved, s.testUnsavedConnection)
	}
	api("GET "+tether.PathAllConnections, s.watchAll)
	api("GET "+routeTypes, s.listTypes)
	api("GET "+routeType, s.getType)

	api("GET "+routeNamespaces, s.listNamespaces)
	api("POST "+routeNamespaces, s.createNamespace)
	api("GET "+routeNamespace, s.getNamespace)
	api("DELETE "+routeNamespace, s.deleteNamespace)
	api("GET "+routeRoleBindings, s.listRoleBindings)
	api("POST "+routeRoleBindings, s.createRoleBinding)
	api("DELETE "+routeRoleBinding, s.deleteRoleBinding)
	api("GET "+routeTokens, s.listTokens)
	api("POST "+routeTokens, s.createToken)
	api("DELETE "+routeToken, s.revokeToken)
	api("GET "+routeAudit, s.listAudit)
	api("POST "+routeRotateKeys, s.rotateKeys)
	api("GET "+routeBackup, s.backupStore)
	api("POST "+routeRestore, s.restoreStore)

	s.mux.HandleFunc("GET /healthz", s.healthz)
	// Odahu's health route, which odahuflowctl login calls first.
	s.mux.HandleFunc("GET /health", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET "+tether.PathVersion, s.serveVersion)
	s.mux.HandleFunc("GET /metrics", s.serveMetrics)
	s.mux.HandleFunc("GET /openapi.json", s.serveOpenAPI)
	s.mux.Handle("GET /swagger/", swaggerUI())
	s.mux.Handle("GET /swagger", http.RedirectHandler("/swagger/index.html", http.StatusMovedPermanently))
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "err", err.Error())
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// jsonFallback makes the mux's own 404 and 405 answers use Odahu's JSON
// error body, like every other error of the API. The mux sets r.Pattern
// before it calls a route's handler; its own error handlers leave it empty.
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(&fallbackWriter{ResponseWriter: w, r: r}, r)
	})
}

// fallbackWriter replaces the mux's plain-text errors with JSON ones.
type fallbackWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (f *fallbackWriter) WriteHeader(code int) {
	if f.r.Pattern != "" || code < 400 {
		f.ResponseWriter.WriteHeader(code)
		return
	}
	msg := "no route for " + f.r.Method + " " + f.r.URL.Path
	if code == http.StatusMethodNotAllowed {
		msg = "method " + f.r.Method + " is not allowed on " + f.r.URL.Path
	}
	writeJSON(f.ResponseWriter, code, tether.MessageBody{Message: msg})
	f.replaced = true
}

func (f *fallbackWriter) Write(b []byte) (int, error) {
	if f.replaced {
		return len(b), nil
	}
	return f.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the wrapper.
func (f *fallbackWriter) Flush() {
	if fl, ok := f.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (f *fallbackWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }
