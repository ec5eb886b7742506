package cli

import (
	"fmt"
	"time"

	"github.com/tether-ml/tether"
)

// expiryWarning is how far ahead the EXPIRES column warns of an expiry:
// it marks one that comes within it with "!".
const expiryWarning = 7 * 24 * time.Hour

// expiresCell is the EXPIRES cell of a connection at now: "-" for none,
// "in 12d", "in 5h !" within expiryWarning, "expired 2h ago".
func expiresCell(e *tether.Expiry, now time.Time) string {
	if e == nil {
		return "-"
	}
	left := e.At.Sub(now)
	switch {
	case left <= 0:
		return "expired " + roughly(-left) + " ago"
	case left <= expiryWarning:
		return "in " + roughly(left) + " !"
	}
	return "in " + roughly(left)
}

// roughly writes d in its largest whole unit: 12d, 5h, 45m, 30s.
func roughly(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
