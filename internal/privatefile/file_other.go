//go:build !unix

package privatefile

import "io/fs"

// grantedToOwnGroup is false where files have no Unix owner and group.
func grantedToOwnGroup(fs.FileInfo) bool { return false }
