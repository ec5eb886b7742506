// Package tether holds Tether's domain: the Connection resource, the contract
// of the connection-type registry, the service and store interfaces that the
// adapters implement, and the one error type every layer returns.
//
// It imports only the standard library. Adapters (http, internal/sqlite,
// internal/seal, internal/conntype, ...) depend on it; it depends on none of
// them.
package tether
