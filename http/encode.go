package http

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/tether-ml/tether"
)

// writeError writes err as Odahu's error body with its status. Internal
// details are logged, never returned.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := tether.ErrorCode(err)
	if code == tether.EINTERNAL || code == tether.EUNAVAILABLE {
		log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "code", code, "err", err.Error())
	}
	writeJSON(w, tether.HTTPStatus(code), tether.MessageBody{Message: tether.ErrorMessage(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readBody reads a request body of at most tether.MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, tether.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, tether.Errorf(tether.ETOOLARGE, "request body is larger than %d bytes (1 MiB)", tether.MaxBodyBytes)
	}
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read request body")
	}
	return body, nil
}

// decodeJSON reads a small JSON body into v with the one strict decoder
// every route uses (tether.DecodeJSON).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return tether.DecodeJSON(body, v, "request body", nil)
}

// respond writes v with status, or err.
func respond(w http.ResponseWriter, r *http.Request, s *Server, status int, v any, err error) {
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, status, v)
}
