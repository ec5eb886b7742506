package tether

import "encoding/json"

// TypeSchema describes one connection type to clients, so that they build
// forms and checks from it rather than keep a list of their own: GET
// /api/v1/connection-types lists them, `tether conn types` prints them.
type TypeSchema struct {
	Name        string `json:"name"`
	Group       string `json:"group"`
	Description string `json:"description"`
	// URI says what spec.uri holds, as ConnectionType.URI.
	URI string `json:"uri,omitempty"`
	// Secrets are the paths in the spec of the values that are secret
	// (keySecret, parameters.sessionToken): sealed at rest, masked on
	// read, written but never read back without the reveal permission.
	Secrets []string `json:"secrets"`
	// Formats are the output formats of `tether conn render --as` that the
	// type offers beside env and files.
	Formats []string `json:"formats,omitempty"`
	// Test says whether the server can test a connection of the type.
	Test bool `json:"test"`
	// ShortLived says whether the type is delivered with short-lived
	// credentials exchanged for the stored ones.
	ShortLived bool `json:"shortLived,omitempty"`
	// AirflowConnTypes are the Airflow conn_types the type maps to, the
	// first being the one it is exported as.
	AirflowConnTypes []string `json:"airflowConnTypes,omitempty"`
	// PolyaxonKind is Polyaxon's name of the type.
	PolyaxonKind string `json:"polyaxonKind"`
	// Schema is the JSON Schema (draft 2020-12) of a connection's spec of
	// this type. Secret values are marked writeOnly; base64 ones carry
	// contentEncoding "base64". The server's validation is the authority:
	// rules that span fields or decode values are only in its messages.
	Schema json.RawMessage `json:"schema"`
}
