package server

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logBuffer gathers log lines into fewer writes. A busy server logs a line
// per request, and a write system call per line costs more than the line
// itself: buffered, a hundred lines go out in one write. A buffered line
// reaches the underlying writer at most delay after it was written, when the
// buffer fills, or on Flush and Close; lines are never interleaved or
// reordered.
type logBuffer struct {
	mu    sync.Mutex
	w     io.Writer
	buf   *bufio.Writer
	delay time.Duration
	timer *time.Timer // pending flush; nil when the buffer is empty
}

func newLogBuffer(w io.Writer, delay time.Duration) *logBuffer {
	return &logBuffer{w: w, buf: bufio.NewWriterSize(w, 64<<10), delay: delay}
}

// Write buffers p, a whole log line (log/slog writes one record per call).
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer == nil {
		b.timer = time.AfterFunc(b.delay, func() { _ = b.Flush() })
	}
	n, err := b.buf.Write(p)
	if err != nil {
		b.reset()
	}
	return n, err
}

// Flush writes what is buffered.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	err := b.buf.Flush()
	if err != nil {
		b.reset()
	}
	return err
}

// reset drops what a failed write left buffered: bufio keeps an error for
// good, and a log that failed once (say, a full disk) must work again once
// its writer does.
func (b *logBuffer) reset() { b.buf.Reset(b.w) }

// Close flushes. The buffer stays usable: a late line is written by the
// next Flush or after the delay.
func (b *logBuffer) Close() error { return b.Flush() }

// unbuffered returns a writer that puts each line out at once, after the
// buffered lines before it, for the records that must not wait: startup,
// warnings and errors.
func (b *logBuffer) unbuffered() io.Writer { return flushingWriter{b} }

type flushingWriter struct{ b *logBuffer }

func (f flushingWriter) Write(p []byte) (int, error) {
	n, err := f.b.Write(p)
	if err != nil {
		return n, err
	}
	return n, f.b.Flush()
}
