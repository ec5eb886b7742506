package seal

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// fingerprintInfo separates the fingerprint key from every other use of the
// key-encryption key it is derived from.
const fingerprintInfo = "tether/seal/v1 fingerprint"

// Fingerprint returns a keyed HMAC-SHA256 of data (hex, 32 characters): the
// same data gives the same fingerprint, so an audit log can correlate uses
// of one credential without holding it, and nobody without the key file can
// test guesses against it. The key is derived (HKDF) from the oldest key of
// the ring, which rotations keep, so fingerprints stay comparable across
// rotations.
func (k *Keyring) Fingerprint(data []byte) string {
	oldest := k.snapshot().keys[0]
	key, err := hkdf.Key(sha256.New, oldest.raw, nil, fingerprintInfo, 32)
	if err != nil {
		panic("seal: hkdf: " + err.Error()) // only for impossible lengths
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(data)
	return hex.EncodeToString(mac.Sum(nil)[:16])
}
