package seal

import (
	"crypto/cipher"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tether-ml/tether"
)

// reloadInterval is the least time between two reloads of the key file
// triggered by an unknown key id, so garbage from the untrusted store cannot
// turn into a stream of file reads.
const reloadInterval = time.Second

// Keyring holds the key-encryption keys of one key file and seals with its
// primary key. It implements tether.Sealer.
//
// A Keyring is safe for concurrent use. Seal and Open do no file I/O, except
// that Open and Rewrap re-read the key file (at most once a second) when they
// meet a key id the ring does not know, because another process sharing the
// file may have rotated it. Key material never leaves the Keyring: it prints
// (fmt, slog) as its path and key ids only, and no error quotes it.
type Keyring struct {
	path string

	mu     sync.RWMutex // guards ring and follow
	ring   *ring        // immutable once installed; replaced as a whole
	follow string       // a key another process made primary (see Follow)

	fileMu     sync.Mutex // serialises Reload and Rotate; guards lastReload
	lastReload time.Time  // of the last reload caused by an unknown key id
}

var _ tether.Sealer = (*Keyring)(nil)

// kek is one key-encryption key. raw is kept only to persist the ring.
type kek struct {
	id      string
	created time.Time
	raw     []byte
	aead    cipher.AEAD
}

// ring is an immutable snapshot of a key file's contents.
type ring struct {
	primary *kek
	keys    []*kek // in file order, oldest first
	byID    map[string]*kek
}

// newRing indexes keys and sets the primary, which must be among them.
func newRing(keys []*kek, primary string) *ring {
	r := &ring{keys: keys, byID: make(map[string]*kek, len(keys))}
	for _, k := range keys {
		r.byID[k.id] = k
	}
	r.primary = r.byID[primary]
	return r
}

func (k *Keyring) snapshot() *ring {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.ring
}

func (k *Keyring) install(r *ring) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ring = r
}

// Seal encrypts plaintext under a fresh data key wrapped by the primary key,
// binding aad (the record id) to both. It returns the blob and the id of the
// primary key.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, string, error) {
	const op = "seal.Seal"
	primary, err := k.sealingKey(op)
	if err != nil {
		return nil, "", err
	}
	dek, aead, err := newDEK()
	if err != nil {
		return nil, "", tether.Internal(op, err)
	}
	defer clear(dek)
	data := aead.Seal(nil, nil, plaintext, dataAAD(aad))
	return sealBlob(primary, dek, data, aad), primary.id, nil
}

// Open authenticates and decrypts a blob made by Seal or Rewrap with the same
// aad. A wrong aad, an altered blob or an unknown key id is an EINVALID
// error; Open never returns wrong plaintext and never panics on garbage.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	const op = "seal.Open"
	env, err := parseEnvelope(op, sealed)
	if err != nil {
		return nil, err
	}
	key, err := k.kekFor(op, env.keyID)
	if err != nil {
		return nil, err
	}
	dek, plaintext, err := openLayers(op, key, env, aad)
	clear(dek)
	return plaintext, err
}

// Rewrap re-wraps the blob's data key with the primary key and returns the
// new blob and the primary's id; the data ciphertext is carried over byte for
// byte. The blob is authenticated first, so Rewrap succeeds exactly when
// Open would. A blob already wrapped by the primary is returned as is (the
// same slice).
func (k *Keyring) Rewrap(sealed, aad []byte) ([]byte, string, error) {
	const op = "seal.Rewrap"
	env, err := parseEnvelope(op, sealed)
	if err != nil {
		return nil, "", err
	}
	key, err := k.kekFor(op, env.keyID)
	if err != nil {
		return nil, "", err
	}
	dek, plaintext, err := openLayers(op, key, env, aad)
	if err != nil {
		return nil, "", err
	}
	defer clear(dek)
	clear(plaintext)
	primary, err := k.sealingKey(op)
	if err != nil {
		return nil, "", err
	}
	if primary.id == env.keyID {
		return sealed, primary.id, nil
	}
	return sealBlob(primary, dek, env.data, aad), primary.id, nil
}

// kekFor returns the key id, re-reading the key file once if the ring does
// not have it: another process may have rotated the file since we read it.
func (k *Keyring) kekFor(op, id string) (*kek, error) {
	if key := k.snapshot().byID[id]; key != nil {
		return key, nil
	}
	reloadErr := k.reloadOnMiss(op, id)
	if key := k.snapshot().byID[id]; key != nil {
		return key, nil
	}
	return nil, &tether.Error{
		Code:    tether.EINVALID,
		Op:      op,
		Message: fmt.Sprintf("sealed value was made with key %q, which is not in the keyring %s", id, k.path),
		Err:     reloadErr,
	}
}

// reloadOnMiss re-reads the key file unless the ring learnt id meanwhile or
// the last such reload was less than reloadInterval ago.
func (k *Keyring) reloadOnMiss(op, id string) error {
	k.fileMu.Lock()
	defer k.fileMu.Unlock()
	if k.snapshot().byID[id] != nil || time.Since(k.lastReload) < reloadInterval {
		return nil
	}
	k.lastReload = time.Now()
	return k.reloadLocked(op)
}

// PrimaryKeyID is the id of the key that new seals use.
func (k *Keyring) PrimaryKeyID() string { return k.snapshot().primary.id }

// KeyIDs returns the ids of every key in the ring, oldest first.
func (k *Keyring) KeyIDs() []string {
	r := k.snapshot()
	ids := make([]string, len(r.keys))
	for i, key := range r.keys {
		ids[i] = key.id
	}
	return ids
}

// Path is the key file the ring was loaded from and persists to.
func (k *Keyring) Path() string { return k.path }

// String describes the ring by its path and key ids, never its keys.
func (k *Keyring) String() string {
	if k == nil {
		return "seal.Keyring(nil)"
	}
	return fmt.Sprintf("seal.Keyring{path: %q, primary: %q, keys: [%s]}",
		k.path, k.PrimaryKeyID(), strings.Join(k.KeyIDs(), " "))
}

// Format prints String for every verb (%v, %+v, %#v, %s, ...), so no
// formatting of a Keyring can reach the key material.
func (k *Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue logs the ring as String does.
func (k *Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }
