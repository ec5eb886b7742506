package bench

import (
	"encoding/json"
	"testing"
	"time"
)

// TestSecondsPrintsAsDecimal: CPU times in the JSON report read as the
// decimals they are, to the millisecond.
func TestSecondsPrintsAsDecimal(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{1590 * time.Millisecond, "1.59"},
		{1599*time.Millisecond + 900*time.Microsecond, "1.599"},
		{0, "0"},
	} {
		b, err := json.Marshal(Seconds(c.d))
		if err != nil || string(b) != c.want {
			t.Errorf("Seconds(%v) marshals as %s (%v), want %s", c.d, b, err, c.want)
		}
	}
}
