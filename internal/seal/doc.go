// Package seal encrypts secret values before they reach a store, and keeps
// the keyring of key-encryption keys (KEKs) that protects them. It is the only
// user of crypto/cipher in Tether: the store is untrusted and only ever sees
// the sealed blobs this package produces.
//
// # Envelope encryption
//
// Every Seal draws a fresh 256-bit data key (DEK), encrypts the plaintext
// with it (AES-256-GCM, random 96-bit nonce) and wraps the DEK with the
// keyring's primary KEK (AES-256-GCM too). A key rotation therefore only
// re-wraps the small DEKs (Rewrap); the data ciphertext never changes.
//
// A sealed blob, format version 1 (sizes in bytes):
//
//	offset  size  field
//	0       1     format version (1)
//	1       1     n, the length of the key id (1..64)
//	2       n     id of the KEK that wrapped the DEK
//	2+n     60    wrapped DEK: nonce (12) || AES-GCM(KEK, DEK) (32 + tag 16)
//	62+n    12    data nonce
//	74+n    rest  AES-GCM(DEK, plaintext): ciphertext || tag (16)
//
// The caller's aad (the record id) is bound as GCM additional data to both
// layers, with a label that keeps the two apart:
//
//	DEK wrap: "tether/seal/v1 dek\x00"  || blob[0:2+n] || aad
//	data:     "tether/seal/v1 data\x00" || blob[0]     || aad
//
// so a blob moved to another record, or whose version or key id was edited,
// fails to open. The data layer leaves the key id out on purpose, so that
// Rewrap can change the KEK without touching the data ciphertext; the DEK,
// unique to each blob, ties the data layer to its wrap.
//
// # Key file
//
// The keyring lives in a JSON file, apart from the database, readable by its
// owner only (mode 0600; Load refuses anything looser):
//
//	{"version":1,"primary":"k-1a2b3c4d","keys":[
//	  {"id":"k-1a2b3c4d","created":"2025-01-02T03:04:05Z","key":"<base64 of 32 bytes>"}]}
//
// Several server processes may share one key file while one of them rotates
// it: a Keyring that meets an unknown key id re-reads the file (at most once
// a second) before it gives up. Rotate writes the file atomically (temporary
// file, fsync, rename, fsync of the directory) under an advisory lock, after
// re-reading it, so concurrent rotations never lose a key.
package seal
