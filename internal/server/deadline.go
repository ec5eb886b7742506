package server

import (
	"io"
	"net/http"
	"time"
)

// progressChunk is how much of a request body must arrive to earn another
// read timeout: a body may be as long as its route allows (a restore is),
// but it must keep arriving; a client that sends a few bytes and stalls is
// cut off when the first read timeout ends.
const progressChunk = 64 << 10

// progressDeadlines lets long requests and responses through the server's
// read and write timeouts as long as they make progress. A body earns one
// more readTimeout per progressChunk received; a response's write deadline
// moves to writeTimeout after each write, so a backup download or a key
// rotation's progress stream lasts as long as it needs while a client that
// stops reading is cut off after writeTimeout.
func progressDeadlines(h http.Handler, readTimeout, writeTimeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &progressBody{ReadCloser: r.Body, rc: rc, timeout: readTimeout}
		}
		h.ServeHTTP(&progressWriter{ResponseWriter: w, rc: rc, timeout: writeTimeout}, r)
	})
}

// progressBody extends the read deadline per progressChunk read.
type progressBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	since   int // bytes read since the deadline last moved
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.since += n; b.since >= progressChunk {
		b.since = 0
		_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	return n, err
}

// progressWriter moves the write deadline before each write and flush,
// at most once per eighth of the timeout.
type progressWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	moved   time.Time
}

func (w *progressWriter) extend() {
	if now := time.Now(); now.Sub(w.moved) >= w.timeout/8 {
		w.moved = now
		_ = w.rc.SetWriteDeadline(now.Add(w.timeout))
	}
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.extend()
	return w.ResponseWriter.Write(p)
}

// Flush lets streaming handlers flush through the wrapper.
func (w *progressWriter) Flush() {
	w.extend()
	_ = w.rc.Flush()
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
