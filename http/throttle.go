package http

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed-authentication budget per client address: a burst of failures,
// then one more per interval. Only failures spend it and only failures are
// refused once it is spent: every credential is still checked, and a valid
// one is served at once whatever its address did before, so that one
// client guessing behind a NAT or a load balancer cannot lock out the
// others sharing its address.
const (
	authFailureBurst    = 10
	authFailureInterval = 6 * time.Second
	maxThrottled        = 10000
)

// throttle keeps a failure budget per client address.
type throttle struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newThrottle() *throttle { return &throttle{limiters: map[string]*rate.Limiter{}} }

func (t *throttle) limiter(key string) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.limiters[key]
	if !ok {
		if len(t.limiters) >= maxThrottled {
			t.forgetFull()
		}
		l = rate.NewLimiter(rate.Every(authFailureInterval), authFailureBurst)
		t.limiters[key] = l
	}
	return l
}

// forgetFull drops the limiters back at their full budget: they hold no
// information. Called with mu held.
func (t *throttle) forgetFull() {
	for key, l := range t.limiters {
		if l.Tokens() >= authFailureBurst {
			delete(t.limiters, key)
		}
	}
}

// failed spends one failure of the budget of the client at addr. over
// reports that the budget was already spent: the failure is then refused
// with 429, and wait is when the client may fail again.
func (t *throttle) failed(addr string) (over bool, wait time.Duration) {
	l := t.limiter(throttleKey(addr))
	if l.Allow() {
		return false, 0
	}
	return true, time.Duration(math.Ceil((1 - l.Tokens()) * float64(authFailureInterval)))
}

// throttleKey is the budget an address spends: its own, or for IPv6 that
// of its /64, which one host usually holds whole and can draw fresh
// addresses from at will.
func throttleKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() {
		return addr
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}
