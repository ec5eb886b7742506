package bench

import (
	"net/http"
	"strconv"
)

// FloorHandler answers every request with body as JSON: the least a
// server can do per request, the floor the figures are compared with.
func FloorHandler(body []byte) http.Handler {
	size := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{size}
		_, _ = w.Write(body)
	})
}
