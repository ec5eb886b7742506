package sqlite

import (
	"fmt"

	"github.com/gofrs/flock"

	"github.com/tether-ml/tether"
)

// lockOwner takes the lock that makes this handle the only writer of the
// database at path: an exclusive lock on path+".lock", held until Close.
// A second server on the same file, or "tether migrate up" under a running
// server, fails with ECONFLICT instead of writing behind the owner's back:
// the owner caches records (record_cache.go) and must see every write.
// Several servers need PostgreSQL.
func lockOwner(op, path string) (*flock.Flock, error) {
	l := flock.New(path+".lock", flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Err: err,
			Message: fmt.Sprintf("cannot lock the database %s: %v", path, err)}
	}
	if !ok {
		return nil, &tether.Error{Code: tether.ECONFLICT, Op: op, Message: fmt.Sprintf(
			"the database %s is in use by another process (a running tether server?): "+
				"an SQLite database has one server; run several on PostgreSQL", path)}
	}
	return l, nil
}
