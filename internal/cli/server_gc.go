package cli

import (
	"runtime/debug"
)

// serverGCPercent is the server's garbage-collection target unless GOGC
// says otherwise. A request allocates short-lived garbage over a small live
// heap (tens of MiB even at a million connections: the records stay in the
// database), so letting the heap grow to five times the live data before
// collecting spends far less CPU on collection for a few tens of MiB.
const serverGCPercent = 400

// tuneServerGC applies serverGCPercent when GOGC is not set.
func tuneServerGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}
