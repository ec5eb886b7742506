package seal

import (
	"fmt"
	"time"

	"github.com/tether-ml/tether"
)

// Follow tells the ring that another process sharing the key file made
// keyID its primary key (a rotation). It re-reads the key file at once; from
// then on Seal and Rewrap never use a primary older than keyID: while the
// file read does not hold keyID (a key file that is not the one the other
// process rotated, or a shared volume that lags), they re-read the file at
// most once a second and refuse, with EUNAVAILABLE, rather than seal with a
// retired key. An empty keyID only re-reads the file, for when rotations may
// have been missed.
func (k *Keyring) Follow(keyID string) error {
	const op = "seal.Follow"
	if keyID != "" {
		k.mu.Lock()
		k.follow = keyID
		k.mu.Unlock()
	}
	k.fileMu.Lock()
	defer k.fileMu.Unlock()
	if err := k.reloadLocked(op); err != nil {
		return err
	}
	k.lastReload = time.Now()
	_, err := k.sealingKeyLocked(op)
	return err
}

// sealingKey returns the key to seal with: the primary, unless the ring lags
// behind the key it follows, when the key file is re-read (rate-limited) and
// sealing is refused while it still lags.
func (k *Keyring) sealingKey(op string) (*kek, error) {
	k.mu.RLock()
	r, follow := k.ring, k.follow
	k.mu.RUnlock()
	if r.covers(follow) {
		return r.primary, nil
	}
	k.fileMu.Lock()
	defer k.fileMu.Unlock()
	if time.Since(k.lastReload) >= reloadInterval {
		k.lastReload = time.Now()
		_ = k.reloadLocked(op) // a failed read leaves the ring lagging: refused below
	}
	return k.sealingKeyLocked(op)
}

// sealingKeyLocked is sealingKey without a reload; the caller holds fileMu.
func (k *Keyring) sealingKeyLocked(op string) (*kek, error) {
	k.mu.RLock()
	r, follow := k.ring, k.follow
	k.mu.RUnlock()
	if r.covers(follow) {
		return r.primary, nil
	}
	return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: fmt.Sprintf(
		"key %q is the primary key of another server, but the key file %s does not hold it: every server must use the same key file",
		follow, k.path)}
}

// covers reports whether the ring's primary is id or a key added after it;
// every ring covers the empty id.
func (r *ring) covers(id string) bool {
	if id == "" {
		return true
	}
	for _, key := range r.keys {
		if key.id == id {
			return true
		}
		if key == r.primary {
			return false
		}
	}
	return false
}
