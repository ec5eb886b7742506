package egress_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// TestLimiter holds that a full limiter makes a caller wait up to its
// context and then answers ETHROTTLED, that a released slot is taken by a
// waiting caller, and that a second release frees nothing.
func TestLimiter(t *testing.T) {
	l := egress.NewLimiter(2)
	var releases []func()
	for range 2 {
		release, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatalf("Acquire: %v", err)
		}
		releases = append(releases, release)
	}
	throttled := func(what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := l.Acquire(ctx)
		if code := tether.ErrorCode(err); code != tether.ETHROTTLED || !strings.Contains(tether.ErrorMessage(err), "too many connection tests at once, retry") {
			t.Errorf("%s: Acquire = %q %q; want %q", what, code, tether.ErrorMessage(err), tether.ETHROTTLED)
		}
	}
	throttled("full")

	var wg sync.WaitGroup
	var waiterErr error
	wg.Add(1)
	go func() { // waits for the slot released below
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, waiterErr = l.Acquire(ctx)
	}()
	time.Sleep(20 * time.Millisecond)
	releases[0]()
	releases[0]() // a second release must not free another slot
	wg.Wait()
	if waiterErr != nil {
		t.Fatalf("waiting Acquire: %v", waiterErr)
	}
	throttled("full again after a double release")
	releases[1]()
	release, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatalf("Acquire after release: %v", err)
	}
	release()
}

// TestLimiterConcurrent holds that of many callers at once, n hold a slot
// and the others, finding it full until their context ends, are throttled.
func TestLimiterConcurrent(t *testing.T) {
	const n, callers = 3, 20
	l := egress.NewLimiter(n)
	finish := make(chan struct{})
	var mu sync.Mutex
	var running, peak, throttled int
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			release, err := l.Acquire(ctx)
			mu.Lock()
			if err != nil {
				throttled++
				mu.Unlock()
				return
			}
			running++
			peak = max(peak, running)
			mu.Unlock()
			<-finish // hold the slot until every caller has tried
			release()
		}()
	}
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return running+throttled == callers
	})
	close(finish)
	wg.Wait()
	if peak != n || throttled != callers-n {
		t.Errorf("peak %d, throttled %d; want %d and %d", peak, throttled, n, callers-n)
	}
}

// TestLimiterTryAcquire holds that TryAcquire takes a free slot, and
// takes none while every slot is taken or a caller of Acquire waits.
func TestLimiterTryAcquire(t *testing.T) {
	l := egress.NewLimiter(1)
	release, ok := l.TryAcquire()
	if !ok {
		t.Fatal("TryAcquire of a free limiter failed")
	}
	if _, ok := l.TryAcquire(); ok {
		t.Error("TryAcquire of a full limiter succeeded")
	}
	waited := make(chan func())
	go func() {
		r, err := l.Acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		waited <- r
	}()
	time.Sleep(20 * time.Millisecond) // the caller of Acquire waits
	release()
	r := <-waited
	if _, ok := l.TryAcquire(); ok {
		t.Error("TryAcquire took the slot of a caller of Acquire")
	}
	r()
	if again, ok := l.TryAcquire(); !ok {
		t.Error("TryAcquire after the release failed")
	} else {
		again()
	}
}
