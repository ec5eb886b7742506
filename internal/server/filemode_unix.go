//go:build unix

package server

import "syscall"

// restrictFileModes makes every file the server creates (the database, its
// WAL, the key file, the token file) readable by its owner only, whatever
// the umask of the shell that started it.
func restrictFileModes() { syscall.Umask(0o077) }
