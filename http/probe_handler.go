package http

import (
	"net/http"
	"strconv"

	"github.com/tether-ml/tether"
)

// probeRetryAfter is the Retry-After, in seconds, of a connection test
// refused because every test slot stayed taken: slots free as tests end.
const probeRetryAfter = 2

// testConnection runs the test of the stored connection in the path, on
// the server with its stored secrets, and answers its result: 200 whether
// the test passed or failed.
func (s *Server) testConnection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	res, err := s.probes.Test(r.Context(), namespace(r), id)
	s.writeProbeResult(w, r, res, err, id)
}

// testUnsavedConnection runs the test of the connection in the body, which
// is not stored: it is read as a create reads it, with the same limits and
// the same strict decoder.
func (s *Server) testUnsavedConnection(w http.ResponseWriter, r *http.Request) {
	c, err := decodeConnection(w, r)
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		s.connectionError(w, r, err, "", "")
		return
	}
	res, err := s.probes.TestSpec(r.Context(), namespace(r), c)
	s.writeProbeResult(w, r, res, err, "")
}

// writeProbeResult writes a test's result, or the error that kept it from
// running; a refusal for want of a free slot (429) says when to retry. No
// answer is cached: each is a new test.
func (s *Server) writeProbeResult(w http.ResponseWriter, r *http.Request, res *tether.ProbeResult, err error, id string) {
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		if tether.ErrorCode(err) == tether.ETHROTTLED {
			w.Header().Set("Retry-After", strconv.Itoa(probeRetryAfter))
		}
		s.connectionError(w, r, err, id, "")
		return
	}
	writeJSON(w, http.StatusOK, res)
}
