// Package privatefile reads the files that hold a secret (the key file, an
// admin token file, the CLI's configuration) under one policy: a regular
// file that only its owner may read, as ssh demands of a private key. The
// server and the CLI share it; it seals nothing and imports only the
// domain.
package privatefile
