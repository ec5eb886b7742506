package service

import (
	"context"
	"fmt"

	"github.com/tether-ml/tether"
)

// rewrapVersions re-wraps the older versions the history keeps, once the
// records are done (re-wrapping a record re-wraps its live version), so
// that a rotation leaves no copy sealed with a retired key. Versions do
// not change once written: one pass suffices. A version dropped meanwhile
// is skipped.
func (k *Keys) rewrapVersions(ctx context.Context, keyID string) error {
	after := tether.VersionKey{}
	for {
		recs, err := k.store.VersionsNotWrappedBy(ctx, keyID, after, rewrapBatch)
		if err != nil {
			return err
		}
		for _, r := range recs {
			sealed, newKey, err := k.sealer.Rewrap(r.Sealed, aad(r.Namespace, r.ID))
			if err != nil {
				return tether.Internal("service.rewrap", fmt.Errorf("%s/%s version %d: %w", r.Namespace, r.ID, r.Version, err))
			}
			if _, err := k.store.RewrapVersion(ctx, r.Namespace, r.ID, r.Version, sealed, newKey); err != nil {
				return err
			}
			after = tether.VersionKey{Namespace: r.Namespace, ID: r.ID, Version: r.Version}
		}
		if len(recs) < rewrapBatch {
			return nil
		}
	}
}
