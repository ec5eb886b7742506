package server

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/sqlite"
)

// envDB selects the database, as --db does.
const envDB = "TETHER_DB"

// store is what the server and "tether migrate" need of either store.
type store interface {
	tether.Store
	// SchemaStatus reports the database's schema version and the newest
	// this binary knows.
	SchemaStatus(ctx context.Context) (current, latest int, err error)
	// Migrate applies pending migrations and returns their versions.
	Migrate(ctx context.Context) ([]int, error)
}

// storeConfig says which database to open.
type storeConfig struct {
	db      string // a postgres:// URL; empty for SQLite in dataDir
	dataDir string
	fsync   bool
	// historyKeep is how many versions of each connection the history
	// keeps; 0 keeps the database's setting. Only the server sets it.
	historyKeep int
}

func (c *storeConfig) addFlags(f *pflag.FlagSet, getenv func(string) string) {
	f.StringVar(&c.db, "db", getenv(envDB),
		"PostgreSQL URL, e.g. postgres://tether@db:5432/tether (env TETHER_DB; default: SQLite in the data directory)")
	f.StringVar(&c.dataDir, "data-dir", cmp.Or(getenv(envDataDir), cli.DefaultDataDir),
		"data directory: the key file, the admin token and the SQLite database (env TETHER_DATA_DIR)")
	f.BoolVar(&c.fsync, "fsync", false, "SQLite: sync to disk on every commit (durable against power loss, not only crashes)")
}

// description names the database for logs, without credentials.
func (c *storeConfig) description() string {
	if c.db != "" {
		return "postgres"
	}
	return "sqlite " + filepath.Join(c.dataDir, "tether.db")
}

// open opens the configured store; migrate false leaves the schema as it is
// (for "tether migrate status").
func (c *storeConfig) open(ctx context.Context, migrate bool) (store, error) {
	restrictFileModes()
	if c.db != "" {
		return postgres.Open(ctx, c.db, postgres.Options{NoMigrate: !migrate, HistoryKeep: c.historyKeep})
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot create data directory %s: %v", c.dataDir, unwrapPathError(err))
	}
	sync := "NORMAL"
	if c.fsync {
		sync = "FULL"
	}
	return sqlite.Open(ctx, filepath.Join(c.dataDir, "tether.db"), sqlite.Options{Synchronous: sync, NoMigrate: !migrate,
		HistoryKeep: c.historyKeep})
}

// unwrapPathError drops the path an *os.PathError repeats, for messages
// that name the path themselves.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// historyKeepDefault is --history-keep's default: TETHER_HISTORY_KEEP,
// else tether.DefaultHistoryKeep. A value that is not a number is left for
// the flag's check to refuse.
func historyKeepDefault(getenv func(string) string) int {
	if v := getenv("TETHER_HISTORY_KEEP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0
		}
		return n
	}
	return tether.DefaultHistoryKeep
}
