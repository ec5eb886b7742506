package privatefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"

	"github.com/tether-ml/tether"
)

// Check is the policy of every file that holds a secret Tether
// reads at start (the key file, an admin token file): it must be a regular
// file that only its owner may read or write, as ssh demands of a private
// key; anything else is EINVALID with a message naming the file (as what,
// e.g. "admin token file") and the fix. One exception, PostgreSQL's for its
// key file: a file root owns may also be readable (not writable) by its
// group when that group is the (non-root) process's own, which is how the
// kubelet mounts a Secret for a non-root pod with an fsGroup (root:fsGroup,
// 0440). Windows has no such mode bits, so there only the regular-file
// check applies.
func Check(op, what, path string, info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		return &tether.Error{Code: tether.EINVALID, Op: op, Message: what + " " + path + " is not a regular file"}
	}
	perm := info.Mode().Perm()
	if runtime.GOOS == "windows" || perm&0o077 == 0 || grantedToOwnGroup(info) {
		return nil
	}
	who := "readable"
	if perm&0o044 == 0 {
		who = "writable"
	}
	return &tether.Error{Code: tether.EINVALID, Op: op,
		Message: fmt.Sprintf("%s %s is %s by other users (mode %04o); chmod 600 it", what, path, who, perm)}
}

// Read reads the file at path, of at most max bytes, after
// checking it with Check. The mode is checked on the open file,
// so it is the mode of the file actually read. Errors name the file as
// what and never quote its contents.
func Read(op, what, path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, readError(op, what, path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, readError(op, what, path, err)
	}
	if err := Check(op, what, path, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, readError(op, what, path, err)
	}
	if int64(len(data)) > max {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op,
			Message: fmt.Sprintf("%s %s is larger than %d bytes", what, path, max)}
	}
	return data, nil
}

// readError names the file and what went wrong reading it; the
// cause is kept for the logs.
func readError(op, what, path string, err error) *tether.Error {
	e := &tether.Error{Code: tether.EINTERNAL, Op: op, Err: err, Message: fmt.Sprintf("cannot read %s %s", what, path)}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Code, e.Message = tether.ENOTFOUND, fmt.Sprintf("%s %s does not exist", what, path)
	case errors.Is(err, fs.ErrPermission):
		e.Code, e.Message = tether.EFORBIDDEN, fmt.Sprintf("cannot read %s %s: permission denied", what, path)
	}
	return e
}
