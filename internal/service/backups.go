package service

import (
	"context"
	"iter"
	"sort"

	"github.com/tether-ml/tether"
)

// Backups implements tether.BackupService.
type Backups struct {
	store  tether.Store
	sealer tether.Sealer
	types  tether.TypeRegistry
	authz  tether.Authorizer
	audit  tether.AuditLog
}

// NewBackups returns the backup service. types tell the expiry of each
// restored connection, which a backup does not carry.
func NewBackups(store tether.Store, sealer tether.Sealer, types tether.TypeRegistry, authz tether.Authorizer, audit tether.AuditLog) *Backups {
	return &Backups{store: store, sealer: sealer, types: types, authz: authz, audit: audit}
}

var _ tether.BackupService = (*Backups)(nil)

// Backup passes fn one consistent snapshot of the store.
func (b *Backups) Backup(ctx context.Context, fn func(*tether.Dump) error) error {
	if err := authorizeGlobal(ctx, b.authz, tether.PermBackup); err != nil {
		return err
	}
	// Audited first, as a reveal is: the backup leaves only once recorded.
	if err := b.audit.Record(ctx, tether.AuditEvent{Action: ActionBackup, Outcome: tether.OutcomeSuccess}); err != nil {
		return err
	}
	return b.store.Export(ctx, fn)
}

// Restore checks that the keyring opens every key check of d, then imports
// d; a record sealed with a key the dump has no check for ends the import
// with an error, so nothing is written.
func (b *Backups) Restore(ctx context.Context, open func() (*tether.Dump, error)) error {
	if err := authorizeGlobal(ctx, b.authz, tether.PermBackup); err != nil {
		return err
	}
	d, err := open()
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(d.KeyChecks))
	for id := range d.KeyChecks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		plain, err := b.sealer.Open(d.KeyChecks[id], keyCheckAAD(id))
		if err != nil || string(plain) != string(keyCheckPlain) {
			return tether.Errorf(tether.EINVALID,
				"the backup was sealed with key %q, which this server's key file does not hold: give the server the key file of the backed-up one, then restore", id)
		}
	}
	checked := *d
	checked.Records = withExpiry(knownKeys(d.Records, d.KeyChecks), b.sealer, b.types)
	if d.Versions != nil {
		checked.Versions = knownKeys(d.Versions, d.KeyChecks)
	}
	if err := b.store.Import(ctx, &checked); err != nil {
		return err
	}
	return recordWrite(ctx, b.audit, tether.AuditEvent{Action: ActionRestore}, "the backup was restored")
}

// knownKeys passes records through, failing on one whose key has no check.
func knownKeys(records iter.Seq2[*tether.Record, error], checks map[string][]byte) iter.Seq2[*tether.Record, error] {
	return func(yield func(*tether.Record, error) bool) {
		for r, err := range records {
			if err == nil && r.Sealed != nil && checks[r.KeyID] == nil {
				err = tether.Errorf(tether.EINVALID, "connection %s/%s of the backup is sealed with key %q, which the backup does not vouch for", r.Namespace, r.ID, r.KeyID)
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}
