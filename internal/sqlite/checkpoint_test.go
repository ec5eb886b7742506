package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tether-ml/tether/internal/sqlite"
	"github.com/tether-ml/tether/internal/storetest"
)

// createRecords creates n records in db, ids prefix-0 to prefix-(n-1).
func createRecords(t *testing.T, db *sqlite.DB, prefix string, n int) {
	t.Helper()
	for i := range n {
		if err := db.CreateRecord(t.Context(), storetest.NewRecord("default", fmt.Sprintf("%s-%d", prefix, i), "s3")); err != nil {
			t.Fatalf("CreateRecord: %v", err)
		}
	}
}

// mainFileRecords counts the records in the database file itself, without
// its WAL: what checkpoints have copied. It reads a copy of the file, so
// that SQLite cannot find the WAL. An error (a table not yet copied, a
// file caught mid-copy) counts as -1.
func mainFileRecords(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the database file: %v", err)
	}
	cp := filepath.Join(t.TempDir(), "main-only.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw(t, cp).QueryRow(`SELECT count(*) FROM connections`).Scan(&n); err != nil {
		return -1
	}
	return n
}

// TestCommitsDoNotCheckpoint: below walResetFrames, a commit does not copy
// the WAL into the database file (SQLite's automatic checkpoint would at
// 1000 pages), so no write waits for that copy and its fsync.
func TestCommitsDoNotCheckpoint(t *testing.T) {
	path := tempPath(t)
	db := open(t, path, sqlite.Options{CheckpointInterval: time.Hour})
	defer db.Close()
	createRecords(t, db, "c", 600) // each commit writes 3 or more pages
	const autoCheckpointSize = 1000 * (4096 + 24)
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() <= autoCheckpointSize {
		t.Errorf("the WAL is %d bytes after 600 commits, want more than %d: something checkpointed it", st.Size(), autoCheckpointSize)
	}
	if n := mainFileRecords(t, path); n > 0 {
		t.Errorf("the database file holds %d records without a checkpoint, want none", n)
	}
}

// TestCheckpointerCopiesWrites: the background checkpointer copies what
// was committed into the database file.
func TestCheckpointerCopiesWrites(t *testing.T) {
	path := tempPath(t)
	db := open(t, path, sqlite.Options{CheckpointInterval: 10 * time.Millisecond})
	defer db.Close()
	createRecords(t, db, "c", 50)
	deadline := time.Now().Add(10 * time.Second)
	n := mainFileRecords(t, path)
	for n != 50 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = mainFileRecords(t, path)
	}
	if n != 50 {
		t.Errorf("the database file holds %d records 10s after 50 commits, want 50", n)
	}
}

// TestWALStaysBounded: under a steady stream of writes, which a checkpoint
// from another connection can never catch up with, the WAL still restarts
// from its beginning instead of growing with every commit.
func TestWALStaysBounded(t *testing.T) {
	const frames = 256
	defer sqlite.SetWALResetFrames(frames)()
	path := tempPath(t)
	db := open(t, path, sqlite.Options{CheckpointInterval: time.Millisecond})
	defer db.Close()
	createRecords(t, db, "c", 2000) // over 6000 frames
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// The WAL file keeps the largest size it reached. Without resets it
	// would hold every frame written, over 6000. A reset can only follow a
	// tick of the checkpointer, and on a busy machine (the other test
	// packages run alongside) ticks come late: the bound leaves room for
	// that, at half of what no reset gives.
	const bound = 12 * frames * (4096 + 24)
	if st.Size() > bound {
		t.Errorf("the WAL grew to %d bytes over 2000 commits, want at most %d (%d frames each time it resets)",
			st.Size(), bound, frames)
	}
	if n := mainFileRecords(t, path); n < 1000 {
		t.Errorf("the database file holds %d of 2000 records, want most of them checkpointed", n)
	}
}
