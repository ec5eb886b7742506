package seal

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"

	"github.com/tether-ml/tether"
)

// CheckPrivateFile is the policy of every file that holds a secret Tether
// reads at start (the key file, an admin token file): it must be a regular
// file that only its owner may read or write, as ssh demands of a private
// key; anything else is EINVALID with a message naming the file (as what,
// e.g. "admin token file") and the fix. One exception, PostgreSQL's for its
// key file: a file root owns may also be readable (not writable) by its
// group when that group is the (non-root) process's own, which is how the
// kubelet mounts a Secret for a non-root pod with an fsGroup (root:fsGroup,
// 0440). Windows has no such mode bits, so there only the regular-file
// check applies.
func CheckPrivateFile(op, what, path string, info fs.FileInfo) error {
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

// ReadPrivateFile reads the file at path, of at most max bytes, after
// checking it with CheckPrivateFile. The mode is checked on the open file,
// so it is the mode of the file actually read. Errors name the file as
// what and never quote its contents.
func ReadPrivateFile(op, what, path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, privateFileError(op, what, path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, privateFileError(op, what, path, err)
	}
	if err := CheckPrivateFile(op, what, path, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, privateFileError(op, what, path, err)
	}
	if int64(len(data)) > max {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op,
			Message: fmt.Sprintf("%s %s is larger than %d bytes", what, path, max)}
	}
	return data, nil
}

// privateFileError names the file and what went wrong reading it; the
// cause is kept for the logs.
func privateFileError(op, what, path string, err error) *tether.Error {
	e := fileError(op, "read", path, err)
	e.Message = fmt.Sprintf("cannot read %s %s", what, path)
	switch e.Code {
	case tether.ENOTFOUND:
		e.Message = fmt.Sprintf("%s %s does not exist", what, path)
	case tether.EFORBIDDEN:
		e.Message = fmt.Sprintf("cannot read %s %s: permission denied", what, path)
	}
	return e
}
