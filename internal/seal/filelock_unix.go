//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package seal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/tether-ml/tether"
)

// lockFile takes an exclusive flock(2) on path (created, mode 0600, if
// missing) and returns the function that releases it. flock locks belong to
// the open file, so two Keyrings of one process exclude each other too. It
// polls until the lock is free or ctx is done.
func lockFile(ctx context.Context, op, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fileError(op, "lock", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fileError(op, "lock", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Err: ctx.Err(),
				Message: fmt.Sprintf("timed out waiting for the lock %s (another rotation is running)", path)}
		case <-time.After(10 * time.Millisecond):
		}
	}
}
