package tether

import "time"

// Token is an API token as stored: only the SHA-256 hash of the token is
// kept, never the token.
type Token struct {
	ID        string
	Hash      []byte
	Subject   string
	CreatedAt time.Time
	ExpiresAt *time.Time
}
