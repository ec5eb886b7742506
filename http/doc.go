// Package http serves Tether's REST API (Odahu's Connection API verbatim,
// plus Tether's extensions) and holds the Go client of the same API, which
// the CLI uses.
package http
