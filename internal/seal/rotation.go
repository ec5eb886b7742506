package seal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/tether-ml/tether"
)

// Rotate adds a new key to the key file, makes it the primary, and persists
// the file atomically; it returns the new key's id. Old keys stay, so values
// sealed with them still open (Rewrap moves them to the new primary).
//
// Several processes may share the key file, so Rotate takes an advisory lock
// on a sibling "<path>.lock" file and starts from the file as it is on disk,
// not from this ring's copy: a concurrent rotation elsewhere cannot lose a
// key. ctx bounds the wait for that lock.
func (k *Keyring) Rotate(ctx context.Context) (string, error) {
	const op = "seal.Rotate"
	k.fileMu.Lock()
	defer k.fileMu.Unlock()
	unlock, err := lockFile(ctx, op, k.path+".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	current, err := readKeyFile(op, k.path)
	if err != nil {
		return "", err
	}
	key, err := newKEK(current)
	if err != nil {
		return "", tether.Internal(op, err)
	}
	next := current.withPrimary(key)
	data, err := encodeKeyFile(next)
	if err != nil {
		return "", tether.Internal(op, err)
	}
	if err := ctx.Err(); err != nil {
		return "", &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: "key rotation was cancelled", Err: err}
	}
	if err := replaceFile(op, k.path, data); err != nil {
		return "", err
	}
	k.install(next)
	return key.id, nil
}

// replaceFile atomically replaces path with data: a temporary file (mode
// 0600) in the same directory is written, synced and renamed over path, then
// the directory is synced so the rename survives a crash.
func replaceFile(op, path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fileError(op, "write", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := writeSynced(tmp, data); err != nil {
		return fileError(op, "write", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fileError(op, "write", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fileError(op, "write", path, err)
	}
	return nil
}

// writeNewFile creates path (mode 0600) with data, failing if it exists.
func writeNewFile(op, path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return &tether.Error{Code: tether.ECONFLICT, Op: op,
			Message: fmt.Sprintf("key file %s already exists; refusing to overwrite it", path)}
	case errors.Is(err, fs.ErrNotExist) && !dirExists(filepath.Dir(path)):
		return &tether.Error{Code: tether.ENOTFOUND, Op: op, Err: err,
			Message: fmt.Sprintf("cannot create key file %s: directory %s does not exist", path, filepath.Dir(path))}
	case err != nil:
		return fileError(op, "create", path, err)
	}
	if err := writeSynced(f, data); err != nil {
		_ = os.Remove(path)
		return fileError(op, "write", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fileError(op, "write", path, err)
	}
	return nil
}

// writeSynced writes data to f, flushes it to stable storage and closes f.
func writeSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir flushes a directory's entries (a new or renamed file) to stable
// storage. Windows cannot sync a directory; there this is a no-op.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// dirExists tells a missing parent directory from other ENOENT causes.
func dirExists(dir string) bool {
	info, err := os.Stat(dir)
	return err == nil && info.IsDir()
}
