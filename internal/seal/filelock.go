package seal

import (
	"context"
	"fmt"
	"time"

	"github.com/gofrs/flock"

	"github.com/tether-ml/tether"
)

// lockFile takes an exclusive lock on path (created, mode 0600, if missing)
// and returns the function that releases it. The lock belongs to the open
// file, so two Keyrings of one process exclude each other too. It retries
// until the lock is free or ctx is done.
func lockFile(ctx context.Context, op, path string) (unlock func(), err error) {
	l := flock.New(path, flock.SetPermissions(0o600))
	ok, err := l.TryLockContext(ctx, 10*time.Millisecond)
	switch {
	case ok:
		return func() { _ = l.Unlock() }, nil
	case ctx.Err() != nil:
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Err: ctx.Err(),
			Message: fmt.Sprintf("timed out waiting for the lock %s (another rotation is running)", path)}
	default:
		return nil, fileError(op, "lock", path, err)
	}
}
