package http

import (
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed-authentication budget per client address: a burst of failures,
// then one more per interval. An address over budget gets 429 before its
// token is even looked at; other addresses are not slowed.
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

func (t *throttle) limiter(addr string) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.limiters[addr]
	if !ok {
		if len(t.limiters) >= maxThrottled {
			t.forgetFull()
		}
		l = rate.NewLimiter(rate.Every(authFailureInterval), authFailureBurst)
		t.limiters[addr] = l
	}
	return l
}

// forgetFull drops the limiters back at their full budget: they hold no
// information. Called with mu held.
func (t *throttle) forgetFull() {
	for addr, l := range t.limiters {
		if l.Tokens() >= authFailureBurst {
			delete(t.limiters, addr)
		}
	}
}

// blocked reports whether addr has used up its budget, and when it may try
// again.
func (t *throttle) blocked(addr string) (bool, time.Duration) {
	l := t.limiter(addr)
	tokens := l.Tokens()
	if tokens >= 1 {
		return false, 0
	}
	wait := time.Duration(math.Ceil((1 - tokens) * float64(authFailureInterval)))
	return true, wait
}

// failed spends one failure of addr's budget.
func (t *throttle) failed(addr string) { t.limiter(addr).Allow() }

// clientAddr is the address a request came from (the peer: forwarded
// headers are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
