package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/tether-ml/tether"
)

// watchSlack is how long past the next bookmark a watch's write may take
// before the connection is cut: a client that stops reading is let go.
const watchSlack = 30 * time.Second

// watchRequest reads the watch parameters of a list request: whether it
// asks for a watch (watch=true or 1), and from which resource version.
func watchRequest(r *http.Request) (bool, tether.WatchOptions, error) {
	q := r.URL.Query()
	var opts tether.WatchOptions
	var p tether.Problems
	watch, err := strconv.ParseBool(q.Get("watch"))
	if q.Get("watch") == "" {
		watch, err = false, nil
	}
	if err != nil {
		p.Add("watch", "must be true or false")
	}
	if v := q.Get("resourceVersion"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			p.Add("resourceVersion", "must be a resource version: an integer, 0 or more")
		}
		opts.Resume, opts.ResourceVersion = true, n
	}
	if opts.Resume && !watch {
		p.Add("resourceVersion", "needs watch=true")
	}
	return watch, opts, p.Err("watch request")
}

// watchAll serves the watch of every namespace the caller may read.
func (s *Server) watchAll(w http.ResponseWriter, r *http.Request) {
	watch, opts, err := watchRequest(r)
	if err == nil && !watch {
		err = tether.Errorf(tether.EINVALID, "%s serves watches only: add watch=true", tether.PathAllConnections)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.watchConnections(w, r, "", opts)
}

// watchConnections streams the events of a watch as newline-delimited
// JSON, one tether.WatchLine per event, flushed at once. An error before
// the first event is an ordinary error response (410 Gone for a resource
// version too old); after it, an ERROR line ends the stream. The stream
// also ends when the client goes, or the server shuts down (CloseWatches).
// The read deadline is lifted and the write deadline moved past the next
// bookmark after each event, so the server's timeouts do not cut a watch.
func (s *Server) watchConnections(w http.ResponseWriter, r *http.Request, ns string, opts tether.WatchOptions) {
	if s.watch == nil {
		writeError(w, r, s.log, tether.Errorf(tether.EINVALID, "this server does not serve watches"))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.closing, cancel)()
	opts.Bookmark = s.bookmark
	out := &watchStream{w: w, rc: http.NewResponseController(w), enc: json.NewEncoder(w), deadline: s.bookmark + watchSlack}
	err := s.watch.Watch(ctx, ns, opts, func(e tether.WatchEvent) error {
		if e.Type == tether.EventBookmark {
			// The credential is checked again at each bookmark: a revoked
			// or expired token ends the watch, as it would fail a request.
			if _, err := s.identify(r); err != nil {
				return err
			}
		}
		line, err := watchLine(e)
		if err != nil {
			return err
		}
		return out.send(line)
	})
	switch {
	case err == nil || ctx.Err() != nil:
	case !out.started:
		writeError(w, r, s.log, err)
	default:
		s.logFailure(r, err)
		_ = out.send(errorLine(err))
	}
}

// watchStream writes the lines of a watch.
type watchStream struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	enc      *json.Encoder
	deadline time.Duration // the write deadline after each line
	started  bool
}

// send writes line, after the status line and headers if it is the first,
// flushes it, and moves the write deadline.
func (s *watchStream) send(line tether.WatchLine) error {
	if !s.started {
		_ = s.rc.SetReadDeadline(time.Time{})
		s.w.Header().Set("Content-Type", "application/x-ndjson")
		s.w.WriteHeader(http.StatusOK)
		s.started = true
	}
	if err := s.enc.Encode(line); err != nil {
		return err
	}
	err := s.rc.Flush()
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.deadline))
	return err
}

// watchLine is the wire form of e.
func watchLine(e tether.WatchEvent) (tether.WatchLine, error) {
	line := tether.WatchLine{Type: e.Type, ResourceVersion: strconv.FormatInt(e.ResourceVersion, 10)}
	if e.Connection != nil {
		raw, err := json.Marshal(wireConnection(e.Connection))
		if err != nil {
			return line, tether.Internal("http.watchLine", err)
		}
		line.Object = raw
	}
	return line, nil
}

// errorLine is the ERROR line that ends a stream with err.
func errorLine(err error) tether.WatchLine {
	raw, _ := json.Marshal(tether.WatchError{Code: tether.HTTPStatus(tether.ErrorCode(err)), Message: tether.ErrorMessage(err)})
	return tether.WatchLine{Type: tether.EventError, Object: raw}
}

// logFailure logs err if it is the server's failure, not the caller's.
func (s *Server) logFailure(r *http.Request, err error) {
	if code := tether.ErrorCode(err); code == tether.EINTERNAL || code == tether.EUNAVAILABLE {
		s.log.ErrorContext(r.Context(), "watch failed", "request_id", requestID(r.Context()), "code", code, "err", err.Error())
	}
}

// CloseWatches ends every watch being served, and those that start later:
// call it when the server shuts down (http.Server.RegisterOnShutdown),
// which otherwise waits for them.
func (s *Server) CloseWatches() { s.stopWatches() }
