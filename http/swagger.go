package http

import (
	_ "embed"
	"log/slog"
	"net/http"
	"sync"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"

	"github.com/swaggest/swgui/v5/static"
	"github.com/vearutop/statigz"
)

//go:embed openapi.json
var openAPIDocument []byte

// swaggerIndex is the Swagger UI page, pointed at /openapi.json.
//
//go:embed swagger.html
var swaggerIndex []byte

// OpenAPIDocument returns the OpenAPI 3 document of the API of a server
// that accepts every connection type Tether knows.
func OpenAPIDocument() []byte { return openAPIDocumentFor(nil, slog.New(slog.DiscardHandler)) }

// openAPIDocumentFor returns the OpenAPI document whose type enums list
// the types of reg (default: every type Tether knows). The embedded
// document lists the same types as the default, so that it is what a
// failure leaves served; a test keeps the two in step.
func openAPIDocumentFor(reg tether.TypeRegistry, log *slog.Logger) []byte {
	if reg == nil {
		reg = conntype.New()
	}
	doc, err := openAPIFor(reg)
	if err != nil {
		log.Error("cannot list the connection types in the OpenAPI document", "err", err.Error())
		return append([]byte(nil), openAPIDocument...)
	}
	return doc
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.openAPI)
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
