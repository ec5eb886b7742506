//go:build unix

package privatefile

import (
	"io/fs"
	"os"
	"slices"
	"syscall"
)

// grantedToOwnGroup reports whether root owns the file, its group may
// read it but not write it, others have no access, and that group is one
// of this process's, which is not root's: root handed the secret to the
// process's group on purpose (a Kubernetes Secret volume with fsGroup,
// Debian's ssl-cert group). A process running as root gets no exception.
func grantedToOwnGroup(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Uid != 0 || info.Mode().Perm()&0o037 != 0 || os.Geteuid() == 0 {
		return false
	}
	gid := int(st.Gid)
	if gid == os.Getegid() {
		return true
	}
	groups, err := os.Getgroups()
	return err == nil && slices.Contains(groups, gid)
}
