package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/privatefile"
)

// TokenPrefix starts every token Tether issues, so that secret scanners can
// recognise one.
const TokenPrefix = "tether_"

// Tokens authenticates API tokens. Only SHA-256 hashes of tokens are
// stored: tokens are 256-bit random values, so a fast hash is safe.
type Tokens struct {
	store tether.TokenStore
	clock func() time.Time
	cache tokenCache
}

// NewTokens returns the token authenticator.
func NewTokens(store tether.TokenStore) *Tokens {
	return &Tokens{store: store, clock: time.Now, cache: newTokenCache()}
}

var _ tether.Authenticator = (*Tokens)(nil)

// Authenticate maps a token to its identity; EUNAUTHORIZED if it is unknown
// or expired. The message never says which.
func (t *Tokens) Authenticate(ctx context.Context, token string) (*tether.Identity, error) {
	tok, err := t.lookup(ctx, HashToken(token))
	if tether.ErrorCode(err) == tether.ENOTFOUND {
		if looksLikeJWT(token) {
			return nil, tether.ErrNotMine // an OIDC or Kubernetes token
		}
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "invalid or expired token")
	} else if err != nil {
		return nil, err
	}
	if tok.ExpiresAt != nil && !t.clock().Before(*tok.ExpiresAt) {
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "invalid or expired token")
	}
	return &tether.Identity{Subject: tokenSubject(tok), TokenID: tok.ID, Method: tether.MethodToken}, nil
}

// tokenSubject is the identity of an API token's holder: its subject, but
// the built-in admin for a token of the bootstrap admin that an earlier
// version stored (or a backup it wrote holds) as tether.LegacyBootstrapSubject.
func tokenSubject(tok *tether.Token) string {
	if tok.Subject == tether.LegacyBootstrapSubject {
		return tether.BootstrapSubject
	}
	return tok.Subject
}

// lookup finds the token of hash in the cache, else in the store.
func (t *Tokens) lookup(ctx context.Context, hash []byte) (*tether.Token, error) {
	now := t.clock()
	if tok, ok := t.cache.get(hash, now); ok {
		return tok, nil
	}
	tok, err := t.store.TokenByHash(ctx, hash)
	if err == nil {
		t.cache.put(hash, tok, now)
	}
	return tok, err
}

// Invalidate forgets the tokens remembered: one may have been revoked.
func (t *Tokens) Invalidate() { t.cache.invalidate() }

// looksLikeJWT reports whether token has the three dot-separated parts of
// a JWT; Tether's own tokens never contain a dot.
func looksLikeJWT(token string) bool {
	return strings.Count(token, ".") == 2
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// NewToken returns a fresh random token.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// maxAdminTokenFile bounds the read of a supplied admin token file.
const maxAdminTokenFile = 4 << 10

// Bootstrap makes sure an admin token exists. With suppliedFile set, the
// token in that file is registered (if it is not yet) as an admin token;
// the file is held to the key file's policy (privatefile.Check): only
// its owner may read or write it.
// Otherwise, on a store without tokens, a new admin token is written to
// writeFile (0600) and registered. The token is never logged or printed.
func (t *Tokens) Bootstrap(ctx context.Context, suppliedFile, writeFile string) error {
	if suppliedFile != "" {
		raw, err := privatefile.Read("service.Bootstrap", "admin token file", suppliedFile, maxAdminTokenFile)
		if err != nil {
			return err
		}
		token := strings.TrimSpace(string(raw))
		if len(token) < 16 {
			return tether.Errorf(tether.EINVALID, "admin token in %s is too short (at least 16 characters)", suppliedFile)
		}
		return t.ensureAdmin(ctx, token)
	}
	n, err := t.store.CountTokens(ctx)
	if err != nil || n > 0 {
		return err
	}
	token := NewToken()
	if err := writeSecretFile(writeFile, token+"\n"); err != nil {
		return err
	}
	return t.ensureAdmin(ctx, token)
}

func (t *Tokens) ensureAdmin(ctx context.Context, token string) error {
	hash := HashToken(token)
	if _, err := t.store.TokenByHash(ctx, hash); tether.ErrorCode(err) != tether.ENOTFOUND {
		return err
	}
	err := t.store.CreateToken(ctx, &tether.Token{
		ID: "admin-" + hex.EncodeToString(hash[:4]), Hash: hash,
		Subject: tether.BootstrapSubject, CreatedAt: now(t.clock),
	})
	if tether.ErrorCode(err) == tether.ECONFLICT {
		// Replicas sharing the token file start together: another one may
		// have registered it since we looked. That is success.
		if _, gerr := t.store.TokenByHash(ctx, hash); gerr == nil {
			return nil
		}
	}
	return err
}

// writeSecretFile writes data to path with mode 0600, atomically.
func writeSecretFile(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-token-*")
	if err != nil {
		return tether.Errorf(tether.EINVALID, "cannot write %s: %v", path, unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		return tether.Internal("service.writeSecretFile", err)
	}
	if err := tmp.Close(); err != nil {
		return tether.Internal("service.writeSecretFile", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return tether.Internal("service.writeSecretFile", err)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
