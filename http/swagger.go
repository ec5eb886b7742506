package http

import (
	_ "embed"
	"net/http"
	"sync"

	"github.com/swaggest/swgui/v5/static"
	"github.com/vearutop/statigz"
)

//go:embed openapi.json
var openAPIDocument []byte

// swaggerIndex is the Swagger UI page, pointed at /openapi.json.
//
//go:embed swagger.html
var swaggerIndex []byte

// OpenAPIDocument returns the OpenAPI 3 document of the API.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDocument...) }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}

// swaggerUI serves Swagger UI at /swagger/ and /swagger/index.html (the
// address Odahu documents), with the assets embedded in the swgui module.
//
// The asset server is built on first use: building it hashes every asset
// (half a megabyte), and as a package variable, as swgui's v5emb has it,
// that would run at every start of the binary, every CLI command included.
func swaggerUI() http.Handler {
	assets := sync.OnceValue(func() http.Handler {
		return http.StripPrefix("/swagger/", statigz.FileServer(static.FS))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/swagger/", "/swagger/index.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(swaggerIndex)
		default:
			assets().ServeHTTP(w, r)
		}
	})
}
