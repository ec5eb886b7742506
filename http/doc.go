// Package http serves Tether's REST API: Odahu's Connection API verbatim,
// plus Tether's extensions (namespaces, role bindings, tokens, audit, keys,
// backups), its OpenAPI document, Swagger UI and Prometheus metrics.
//
// NewServer takes the services it serves (Deps) and returns the handler;
// routes.go lists every route, one handler file per noun. The wire format
// shared with the Go client (paths, bodies, the mapping of error codes to
// statuses) is declared once in the domain package (api.go). The client
// itself is package client, which links none of this package.
package http
