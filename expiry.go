package tether

import "time"

// Expiry is when a connection's credential stops working, and which part
// of it does.
type Expiry struct {
	// At is the moment the credential stops working.
	At time.Time `json:"at"`
	// What names what expires, in words safe to show: "SAS token",
	// `caBundle certificate "CN=minio"`, "STS session", "ECR token".
	What string `json:"what"`
}

// Earliest returns whichever of a and b expires first; nil if both are.
func Earliest(a, b *Expiry) *Expiry {
	switch {
	case a == nil:
		return b
	case b == nil || !b.At.Before(a.At):
		return a
	default:
		return b
	}
}
