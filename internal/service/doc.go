// Package service composes Tether's domain rules over its adapters: it
// validates connections with the type registry, seals their secrets with the
// Sealer, keeps them in the Store, and asks the Authorizer before every
// operation. The HTTP layer serves it; it knows nothing of HTTP.
package service
