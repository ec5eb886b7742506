package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/privatefile"
)

const (
	keyFileVersion = 1
	maxKeyFileSize = 1 << 20 // far above any real keyring; bounds the read
)

// keyFile is the JSON form of the key file.
type keyFile struct {
	Version int       `json:"version"`
	Primary string    `json:"primary"`
	Keys    []keyJSON `json:"keys"`
}

// keyJSON is one key of the key file. Created is a string, not a time.Time,
// so a parse error is ours to word.
type keyJSON struct {
	ID      string `json:"id"`
	Created string `json:"created"`
	Key     string `json:"key"` // standard base64 of 32 bytes
}

// invalidKeyFile returns an EINVALID error about the key file at path. The
// message names the problem but never quotes the file's contents.
func invalidKeyFile(op, path, format string, args ...any) *tether.Error {
	return &tether.Error{Code: tether.EINVALID, Op: op,
		Message: "key file " + path + " " + fmt.Sprintf(format, args...)}
}

// decodeKeyFile parses and validates the contents of a key file.
func decodeKeyFile(op, path string, data []byte) (*ring, error) {
	var f keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, invalidKeyFile(op, path, "%s", describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidKeyFile(op, path, "has data after its JSON object")
	}
	return buildRing(op, path, f)
}

// describeJSONError words a decoding error without quoting the input
// (encoding/json's own messages may quote a fragment of it).
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "is truncated"
	case errors.As(err, &syntax):
		return fmt.Sprintf("is not valid JSON (syntax error at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("has a value of the wrong type for field %q", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return "has an unknown field (want version, primary, keys[].id, keys[].created, keys[].key)"
	}
	return "is not a valid key file"
}

// buildRing validates a decoded key file and makes the ring.
func buildRing(op, path string, f keyFile) (*ring, error) {
	if f.Version != keyFileVersion {
		return nil, invalidKeyFile(op, path, "has version %d; want %d", f.Version, keyFileVersion)
	}
	if len(f.Keys) == 0 {
		return nil, invalidKeyFile(op, path, "has no keys")
	}
	keys := make([]*kek, 0, len(f.Keys))
	seen := make(map[string]bool, len(f.Keys))
	for i, kj := range f.Keys {
		key, err := decodeKey(op, path, i, kj)
		if err != nil {
			return nil, err
		}
		if seen[key.id] {
			return nil, invalidKeyFile(op, path, "has two keys with id %q", key.id)
		}
		seen[key.id] = true
		keys = append(keys, key)
	}
	if !seen[f.Primary] {
		return nil, invalidKeyFile(op, path, "names primary key %q, which is not among its keys",
			printableID(f.Primary))
	}
	return newRing(keys, f.Primary), nil
}

// decodeKey validates keys[i] of the key file.
func decodeKey(op, path string, i int, kj keyJSON) (*kek, error) {
	if !validKeyID(kj.ID) {
		return nil, invalidKeyFile(op, path,
			"has an invalid id for keys[%d] (want 1 to 64 letters, digits, '.', '_' or '-')", i)
	}
	created, err := time.Parse(time.RFC3339, kj.Created)
	if err != nil {
		return nil, invalidKeyFile(op, path, "has an invalid created time for key %q (want RFC 3339)", kj.ID)
	}
	raw, err := base64.StdEncoding.DecodeString(kj.Key)
	if err != nil {
		return nil, invalidKeyFile(op, path, "has key %q, which is not valid base64", kj.ID)
	}
	if len(raw) != keySize {
		return nil, invalidKeyFile(op, path, "has key %q of %d bytes; want %d (AES-256)", kj.ID, len(raw), keySize)
	}
	aead, err := newGCM(raw)
	if err != nil {
		return nil, tether.Internal(op, err)
	}
	return &kek{id: kj.ID, created: created, raw: raw, aead: aead}, nil
}

// printableID returns id if it is a valid key id, and a placeholder
// otherwise, so that a misplaced key in the primary field is never quoted.
func printableID(id string) string {
	if validKeyID(id) {
		return id
	}
	return "(invalid id)"
}

// encodeKeyFile returns the JSON of r, ready to write.
func encodeKeyFile(r *ring) ([]byte, error) {
	f := keyFile{Version: keyFileVersion, Primary: r.primary.id, Keys: make([]keyJSON, len(r.keys))}
	for i, k := range r.keys {
		f.Keys[i] = keyJSON{
			ID:      k.id,
			Created: k.created.UTC().Format(time.RFC3339),
			Key:     base64.StdEncoding.EncodeToString(k.raw),
		}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	return append(data, '\n'), err
}

// newKEK draws a new random key whose id ("k-" and 8 hex digits) is not in r
// (r may be nil).
func newKEK(r *ring) (*kek, error) {
	raw := make([]byte, keySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	aead, err := newGCM(raw)
	if err != nil {
		return nil, err
	}
	for {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		id := "k-" + hex.EncodeToString(b[:])
		if r == nil || r.byID[id] == nil {
			return &kek{id: id, created: time.Now().UTC().Truncate(time.Second), raw: raw, aead: aead}, nil
		}
	}
}

// withPrimary returns a copy of r with key added as its primary.
func (r *ring) withPrimary(key *kek) *ring {
	keys := append(append(make([]*kek, 0, len(r.keys)+1), r.keys...), key)
	return newRing(keys, key.id)
}

// Create makes a new key file at path holding one fresh key, readable by its
// owner only (mode 0600), and returns its keyring. It refuses (ECONFLICT) to
// overwrite an existing file, since that would lose the keys of every value
// sealed so far. The parent directory must exist (ENOTFOUND otherwise).
func Create(path string) (*Keyring, error) {
	const op = "seal.Create"
	key, err := newKEK(nil)
	if err != nil {
		return nil, tether.Internal(op, err)
	}
	r := newRing([]*kek{key}, key.id)
	data, err := encodeKeyFile(r)
	if err != nil {
		return nil, tether.Internal(op, err)
	}
	if err := writeNewFile(op, path, data); err != nil {
		return nil, err
	}
	return &Keyring{path: path, ring: r}, nil
}

// Load reads the key file at path. A missing file is ENOTFOUND; a malformed
// file, a key of the wrong length, a primary that is not among the keys, or a
// file that users other than its owner may read or write is EINVALID, with a
// message naming the problem and never quoting the file.
func Load(path string) (*Keyring, error) {
	r, err := readKeyFile("seal.Load", path)
	if err != nil {
		return nil, err
	}
	return &Keyring{path: path, ring: r}, nil
}

// Reload re-reads the key file, so the ring learns keys another process
// added and follows its primary. On error the ring is left as it was.
func (k *Keyring) Reload() error {
	k.fileMu.Lock()
	defer k.fileMu.Unlock()
	return k.reloadLocked("seal.Reload")
}

// reloadLocked re-reads the key file; the caller holds fileMu.
func (k *Keyring) reloadLocked(op string) error {
	r, err := readKeyFile(op, k.path)
	if err != nil {
		return err
	}
	k.install(r)
	return nil
}

// readKeyFile reads, checks and decodes the key file.
func readKeyFile(op, path string) (*ring, error) {
	data, err := privatefile.Read(op, "key file", path, maxKeyFileSize)
	if err != nil {
		return nil, err
	}
	return decodeKeyFile(op, path, data)
}

// fileError turns a file system error into a *tether.Error whose message
// names the path and what we were doing (the cause is kept for logs).
func fileError(op, verb, path string, err error) *tether.Error {
	e := &tether.Error{Code: tether.EINTERNAL, Op: op, Err: err,
		Message: fmt.Sprintf("cannot %s key file %s", verb, path)}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Code, e.Message = tether.ENOTFOUND, fmt.Sprintf("key file %s does not exist", path)
	case errors.Is(err, fs.ErrPermission):
		e.Code, e.Message = tether.EFORBIDDEN, fmt.Sprintf("cannot %s key file %s: permission denied", verb, path)
	}
	return e
}
