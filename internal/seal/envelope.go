package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"

	"github.com/tether-ml/tether"
)

// Sizes of the version 1 blob format (see the package documentation).
const (
	formatV1    = 1
	keySize     = 32 // AES-256, for KEKs and DEKs alike
	nonceSize   = 12 // GCM's standard 96-bit nonce
	tagSize     = 16
	maxKeyIDLen = 64

	wrappedDEKSize = nonceSize + keySize + tagSize
	minDataSize    = nonceSize + tagSize
)

// Labels that keep the additional data of the two GCM layers apart.
const (
	wrapLabel = "tether/seal/v1 dek\x00"
	dataLabel = "tether/seal/v1 data\x00"
)

// envelope is a parsed sealed blob. Its slices alias the blob.
type envelope struct {
	header     []byte // version, key id length, key id
	keyID      string
	wrappedDEK []byte // nonce || encrypted DEK || tag
	data       []byte // nonce || ciphertext || tag
}

// parseEnvelope splits a blob into its parts. It checks lengths and the key
// id's alphabet only; authenticity is checked when the layers are opened.
func parseEnvelope(op string, blob []byte) (envelope, error) {
	if len(blob) < 2 {
		return envelope{}, malformed(op)
	}
	if blob[0] != formatV1 {
		return envelope{}, &tether.Error{Code: tether.EINVALID, Op: op,
			Message: fmt.Sprintf("sealed value has unsupported format version %d", blob[0])}
	}
	end := 2 + int(blob[1])
	if blob[1] == 0 || blob[1] > maxKeyIDLen || len(blob) < end+wrappedDEKSize+minDataSize {
		return envelope{}, malformed(op)
	}
	id := string(blob[2:end])
	if !validKeyID(id) {
		return envelope{}, malformed(op)
	}
	return envelope{
		header:     blob[:end:end],
		keyID:      id,
		wrappedDEK: blob[end : end+wrappedDEKSize],
		data:       blob[end+wrappedDEKSize:],
	}, nil
}

// newHeader returns the blob header naming the KEK keyID.
func newHeader(keyID string) []byte {
	h := make([]byte, 0, 2+len(keyID))
	h = append(h, formatV1, byte(len(keyID)))
	return append(h, keyID...)
}

// wrapAAD is the additional data of the DEK wrap: it binds the format
// version, the key id and the caller's aad.
func wrapAAD(header, aad []byte) []byte {
	b := make([]byte, 0, len(wrapLabel)+len(header)+len(aad))
	b = append(b, wrapLabel...)
	b = append(b, header...)
	return append(b, aad...)
}

// dataAAD is the additional data of the data layer: the format version and
// the caller's aad, but not the key id, so Rewrap leaves the data intact.
func dataAAD(aad []byte) []byte {
	b := make([]byte, 0, len(dataLabel)+1+len(aad))
	b = append(b, dataLabel...)
	b = append(b, formatV1)
	return append(b, aad...)
}

// newGCM returns AES-256-GCM under key. Its Seal draws a random 96-bit nonce
// and prepends it to the ciphertext; its Open expects the same layout.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// newDEK returns a fresh random data key and its cipher.
func newDEK() ([]byte, cipher.AEAD, error) {
	dek := make([]byte, keySize)
	if _, err := rand.Read(dek); err != nil {
		return nil, nil, err
	}
	aead, err := newGCM(dek)
	return dek, aead, err
}

// sealBlob builds a blob: header for kek, dek wrapped by kek, then data (an
// already encrypted data layer) appended verbatim.
func sealBlob(kek *kek, dek, data, aad []byte) []byte {
	header := newHeader(kek.id)
	blob := make([]byte, 0, len(header)+wrappedDEKSize+len(data))
	blob = append(blob, header...)
	blob = kek.aead.Seal(blob, nil, dek, wrapAAD(header, aad))
	return append(blob, data...)
}

// openLayers authenticates and decrypts both layers of env with kek. It
// returns the DEK and the plaintext.
func openLayers(op string, kek *kek, env envelope, aad []byte) (dek, plaintext []byte, err error) {
	dek, err = kek.aead.Open(nil, nil, env.wrappedDEK, wrapAAD(env.header, aad))
	if err != nil || len(dek) != keySize {
		return nil, nil, unauthentic(op)
	}
	aead, err := newGCM(dek)
	if err != nil {
		return nil, nil, tether.Internal(op, err)
	}
	plaintext, err = aead.Open(nil, nil, env.data, dataAAD(aad))
	if err != nil {
		clear(dek)
		return nil, nil, unauthentic(op)
	}
	return dek, plaintext, nil
}

// validKeyID reports whether id is 1..64 characters of [A-Za-z0-9._-]. Ids
// read from a blob come from untrusted storage; the check keeps error
// messages that quote them printable and short.
func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

func malformed(op string) *tether.Error {
	return &tether.Error{Code: tether.EINVALID, Op: op, Message: "sealed value is malformed"}
}

func unauthentic(op string) *tether.Error {
	return &tether.Error{Code: tether.EINVALID, Op: op,
		Message: "sealed value cannot be opened: it was altered, or it belongs to another record"}
}
