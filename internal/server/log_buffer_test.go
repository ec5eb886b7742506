package server

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the timer's goroutine.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	fail bool
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return 0, errors.New("disk full")
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogBufferHoldsLinesUntilFlush(t *testing.T) {
	out := &syncBuffer{}
	b := newLogBuffer(out, time.Hour)
	fmt.Fprintln(b, "one")
	fmt.Fprintln(b, "two")
	if got := out.String(); got != "" {
		t.Fatalf("written before a flush: %q", got)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "one\ntwo\n" {
		t.Fatalf("after Flush: %q", got)
	}
}

func TestLogBufferWritesAfterTheDelay(t *testing.T) {
	out := &syncBuffer{}
	b := newLogBuffer(out, 10*time.Millisecond)
	fmt.Fprintln(b, "late")
	for deadline := time.Now().Add(5 * time.Second); out.String() == ""; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a buffered line was never written")
		}
	}
	if got := out.String(); got != "late\n" {
		t.Fatalf("got %q", got)
	}
}

func TestLogBufferUnbufferedLineFollowsBufferedOnes(t *testing.T) {
	out := &syncBuffer{}
	b := newLogBuffer(out, time.Hour)
	fmt.Fprintln(b, "request 1")
	fmt.Fprintln(b.unbuffered(), "error")
	if got := out.String(); got != "request 1\nerror\n" {
		t.Fatalf("got %q", got)
	}
}

func TestLogBufferRecoversAfterAFailedWrite(t *testing.T) {
	out := &syncBuffer{fail: true}
	b := newLogBuffer(out, time.Hour)
	fmt.Fprintln(b, "lost")
	if err := b.Flush(); err == nil {
		t.Fatal("Flush to a failing writer succeeded")
	}
	out.mu.Lock()
	out.fail = false
	out.mu.Unlock()
	fmt.Fprintln(b, "kept")
	if err := b.Flush(); err != nil {
		t.Fatalf("Flush after the writer recovered: %v", err)
	}
	if got := out.String(); got != "kept\n" {
		t.Fatalf("got %q", got)
	}
}

func TestLogBufferKeepsConcurrentLinesWhole(t *testing.T) {
	out := &syncBuffer{}
	b := newLogBuffer(out, time.Millisecond)
	line := strings.Repeat("x", 1000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				fmt.Fprintf(b, "%d %d %s\n", g, i, line)
			}
		})
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8*200 {
		t.Fatalf("%d lines, want %d", len(lines), 8*200)
	}
	for _, l := range lines {
		var g, i int
		var rest string
		if _, err := fmt.Sscanf(l, "%d %d %s", &g, &i, &rest); err != nil || rest != line {
			t.Fatalf("damaged line %.40q", l)
		}
	}
}
