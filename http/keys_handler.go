package http

import (
	"encoding/json"
	"net/http"

	"github.com/tether-ml/tether"
)

// rotateKeys adds a primary key and re-wraps every record, streaming
// progress as newline-delimited JSON so a client can draw a progress bar.
// An error before the first line is an ordinary error response.
func (s *Server) rotateKeys(w http.ResponseWriter, r *http.Request) {
	var (
		enc     = json.NewEncoder(w)
		started bool
		last    tether.RotateProgress
	)
	send := func(p tether.RotateProgress) {
		if !started {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.WriteHeader(http.StatusOK)
			started = true
		}
		_ = enc.Encode(p)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	keyID, err := s.keys.Rotate(r.Context(), func(done, total int) {
		last = tether.RotateProgress{Done: done, Total: total}
		send(last)
	})
	switch {
	case err != nil && !started:
		writeError(w, r, s.log, err)
	case err != nil:
		s.log.ErrorContext(r.Context(), "key rotation failed", "request_id", requestID(r.Context()), "err", err.Error())
		send(tether.RotateProgress{Done: last.Done, Total: last.Total, Message: "key rotation failed: " + tether.ErrorMessage(err)})
	default:
		send(tether.RotateProgress{Done: last.Total, Total: last.Total, KeyID: keyID})
	}
}
