package service

import "sync"

// changeFeed tells watches that the store may have changed: a channel that
// the next wake closes. A watch takes the channel before it reads the
// store, so a write that commits after the read always wakes it.
type changeFeed struct {
	mu   sync.Mutex
	next chan struct{}
}

func newChangeFeed() *changeFeed { return &changeFeed{next: make(chan struct{})} }

// wait returns the channel the next wake closes.
func (f *changeFeed) wait() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next
}

// wake wakes every watch waiting.
func (f *changeFeed) wake() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.next)
	f.next = make(chan struct{})
}
