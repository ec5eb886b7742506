//go:build !unix

package server

// restrictFileModes does nothing where there is no umask.
func restrictFileModes() {}
