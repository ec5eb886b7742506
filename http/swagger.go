package http

import (
	_ "embed"
	"net/http"

	"github.com/swaggest/swgui/v5emb"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3 document of the API.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDocument...) }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}

// swaggerUI serves Swagger UI from the assets embedded in the swgui module,
// at /swagger/ and /swagger/index.html (the address Odahu documents).
func swaggerUI() http.Handler {
	ui := v5emb.New("Tether API", "/openapi.json", "/swagger/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/swagger/index.html" {
			r = r.Clone(r.Context())
			r.URL.Path = "/swagger/"
		}
		ui.ServeHTTP(w, r)
	})
}
