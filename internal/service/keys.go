package service

import (
	"context"
	"fmt"

	"github.com/tether-ml/tether"
)

// rewrapBatch is how many records a rotation re-wraps between progress
// reports.
const rewrapBatch = 200

// keyCheckPlain is sealed with every key, so that at start-up the server can
// prove its keyring opens the store's data before serving anything.
var keyCheckPlain = []byte("tether key check v1")

func keyCheckAAD(keyID string) []byte { return []byte("tether-key-check/" + keyID) }

// Keys implements tether.KeyService.
type Keys struct {
	store  tether.Store
	sealer tether.Sealer
	authz  tether.Authorizer
	audit  tether.AuditLog
}

// NewKeys returns the key service.
func NewKeys(store tether.Store, sealer tether.Sealer, authz tether.Authorizer, audit tether.AuditLog) *Keys {
	return &Keys{store: store, sealer: sealer, authz: authz, audit: audit}
}

var _ tether.KeyService = (*Keys)(nil)

// Rotate adds a new primary key, then re-wraps every record's data key with
// it. Records stay readable throughout: a record is readable with whichever
// key wraps it, and the swap of its wrapped key is one atomic write.
func (k *Keys) Rotate(ctx context.Context, progress func(done, total int)) (string, error) {
	if err := authorizeGlobal(ctx, k.authz, tether.PermRotateKeys); err != nil {
		return "", err
	}
	keyID, err := k.sealer.Rotate(ctx)
	if err != nil {
		return "", err
	}
	if err := PutKeyCheck(ctx, k.store, k.sealer); err != nil {
		return "", err
	}
	// Re-wrapping goes on even if the event cannot be stored: the new key
	// is in use either way.
	audited := recordWrite(ctx, k.audit, tether.AuditEvent{Action: ActionKeysRotate, Detail: "new primary key " + keyID},
		fmt.Sprintf("key %q was added as the primary key", keyID))
	if err := k.rewrapAll(ctx, keyID, progress); err != nil {
		return keyID, err
	}
	if err := k.rewrapVersions(ctx, keyID); err != nil {
		return keyID, err
	}
	return keyID, audited
}

// maxRewrapPasses bounds the passes of a rotation over the records.
const maxRewrapPasses = 3

// rewrapAll re-wraps every record with keyID, in passes until one finds
// nothing left: a replica that had not learnt of the rotation yet may have
// sealed a record with the old key behind the first pass's cursor. Replicas
// learn at once, so a second pass is short and a third finds nothing.
func (k *Keys) rewrapAll(ctx context.Context, keyID string, progress func(done, total int)) error {
	done := 0
	for pass := 0; pass < maxRewrapPasses; pass++ {
		left, err := k.store.CountRecordsNotWrappedBy(ctx, keyID)
		if err != nil || (left == 0 && pass > 0) {
			return err
		}
		if done, err = k.rewrapPass(ctx, keyID, done, done+left, progress); err != nil {
			return err
		}
	}
	left, err := k.store.CountRecordsNotWrappedBy(ctx, keyID)
	if err == nil && left > 0 {
		err = tether.Errorf(tether.ECONFLICT,
			"%d connections were sealed with an older key during the rotation; check that every server uses the same key file, then run the rotation again", left)
	}
	return err
}

// rewrapPass re-wraps, in id order, the records not wrapped by keyID, and
// reports progress counting from done towards total; it returns the new done.
func (k *Keys) rewrapPass(ctx context.Context, keyID string, done, total int, progress func(done, total int)) (int, error) {
	afterNS, afterID := "", ""
	for {
		recs, err := k.store.RecordsNotWrappedBy(ctx, keyID, afterNS, afterID, rewrapBatch)
		if err != nil {
			return done, err
		}
		for _, r := range recs {
			if err := k.rewrap(ctx, r); err != nil {
				return done, err
			}
			afterNS, afterID = r.Namespace, r.ID
		}
		done = min(done+len(recs), total)
		if progress != nil {
			progress(done, total)
		}
		if len(recs) < rewrapBatch {
			return done, nil
		}
	}
}

// rewrap moves one record to the primary key. If a writer changed the
// record meanwhile, it is read again: the new write may have used a replica
// whose keyring had not seen the rotation yet.
func (k *Keys) rewrap(ctx context.Context, r *tether.Record) error {
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		if r.Sealed == nil || r.KeyID == k.sealer.PrimaryKeyID() {
			return nil
		}
		sealed, keyID, err := k.sealer.Rewrap(r.Sealed, aad(r.Namespace, r.ID))
		if err != nil {
			return tether.Internal("service.rewrap", fmt.Errorf("%s/%s: %w", r.Namespace, r.ID, err))
		}
		ok, err := k.store.RewrapRecord(ctx, r.Namespace, r.ID, r.Version, sealed, keyID)
		if err != nil || ok {
			return err
		}
		if r, err = k.store.GetRecord(ctx, r.Namespace, r.ID); tether.ErrorCode(err) == tether.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
	}
	return tether.Errorf(tether.ECONFLICT, "connection %q/%q kept changing during key rotation; run the rotation again", r.Namespace, r.ID)
}

// PutKeyCheck records a check value sealed with the sealer's primary key.
func PutKeyCheck(ctx context.Context, store tether.Store, sealer tether.Sealer) error {
	id := sealer.PrimaryKeyID()
	sealed, keyID, err := sealer.Seal(keyCheckPlain, keyCheckAAD(id))
	if err != nil {
		return tether.Internal("service.PutKeyCheck", err)
	}
	return store.PutKeyCheck(ctx, keyID, sealed)
}

// VerifyKeys proves that sealer opens the data of store: every key that
// ever sealed data there left a check value, and each must open. On a new
// store it records the first check value. keyFile names the key file in
// the message.
func VerifyKeys(ctx context.Context, store tether.Store, sealer tether.Sealer, keyFile string) error {
	checks, err := store.KeyChecks(ctx)
	if err != nil {
		return err
	}
	for id, sealed := range checks {
		plain, err := sealer.Open(sealed, keyCheckAAD(id))
		if err != nil || string(plain) != string(keyCheckPlain) {
			return tether.Errorf(tether.EINVALID,
				"key file %s cannot open this data directory's secrets (key %q is missing or different): refusing to start; use the key file this data was created with", keyFile, id)
		}
	}
	if _, ok := checks[sealer.PrimaryKeyID()]; !ok {
		return PutKeyCheck(ctx, store, sealer)
	}
	return nil
}
