//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package seal

import "context"

// lockFile is a no-op where flock(2) is not available: Rotate is then
// serialised within one process only (by Keyring's mutex), and concurrent
// rotations from several processes must be avoided by the operator.
func lockFile(ctx context.Context, op, path string) (unlock func(), err error) {
	return func() {}, ctx.Err()
}
