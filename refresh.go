package tether

import "time"

// A delivered short-lived credential (an STS session, an ECR token) is
// shared and renewed by one rule, here, which the server's cache of
// delivered credentials and every holder that renews them (the controller)
// both follow:
//
//   - the server reuses a credential it exchanged while more than half of
//     its lifetime remains (Reusable), and exchanges again after;
//   - a holder asks again when a third of the lifetime it was given
//     remains (RefreshAt).
//
// A holder asking at its refresh point therefore never gets back the
// credential it holds: at that point less than a third of that
// credential's lifetime is left, so the server no longer reuses it.

// Reusable reports whether a credential issued at issued and expiring at
// e.At may still be handed out at now: more than half of its lifetime
// remains.
func (e *Expiry) Reusable(issued, now time.Time) bool {
	return now.Before(issued.Add(e.At.Sub(issued) / 2))
}

// RefreshAt returns when the holder of a credential received at received
// and expiring at e.At should ask for a new one: when a third of the
// lifetime left at received remains. It is received itself for a
// credential already expired.
func (e *Expiry) RefreshAt(received time.Time) time.Time {
	left := e.At.Sub(received)
	if left <= 0 {
		return received
	}
	return received.Add(left - left/3)
}
