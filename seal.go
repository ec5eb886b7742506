package tether

import "context"

// Sealer encrypts secret values before they reach a store (envelope
// encryption: a data key per record, wrapped by a key of a keyring). aad is
// bound to the ciphertext: opening with another aad fails.
type Sealer interface {
	// Seal encrypts plaintext with a fresh data key wrapped by the primary
	// key, and returns the sealed blob and the primary key's id.
	Seal(plaintext, aad []byte) (sealed []byte, keyID string, err error)
	// Open decrypts a sealed blob. A wrong key, a wrong aad or a tampered
	// blob is an error; it never returns wrong plaintext.
	Open(sealed, aad []byte) ([]byte, error)
	// Rewrap re-wraps the blob's data key with the primary key without
	// touching the ciphertext of the values.
	Rewrap(sealed, aad []byte) (resealed []byte, keyID string, err error)
	// PrimaryKeyID is the id of the key new seals use.
	PrimaryKeyID() string
	// Rotate adds a new key, makes it primary and persists the keyring.
	Rotate(ctx context.Context) (keyID string, err error)
	// Fingerprint returns a keyed hash of data, stable across rotations,
	// for correlating a credential in the audit log without holding it.
	Fingerprint(data []byte) string
}
