package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestProgressDeadlines: with the server's timeouts at 500ms, a body that
// keeps arriving and a response that keeps being written outlast them,
// while a body that stalls is cut off.
func TestProgressDeadlines(t *testing.T) {
	const timeout = 500 * time.Millisecond
	limits := serverLimits{readTimeout: timeout, writeTimeout: timeout, idleTimeout: timeout}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusRequestTimeout)
			return
		}
		for i := 0; r.URL.Query().Has("stream") && i < 5; i++ { // 5 lines over 5 timeouts' time
			fmt.Fprintf(w, "line %d\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(timeout)
		}
		fmt.Fprintf(w, "read %d\n", n)
	})
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = limits.httpServer(h, slog.New(slog.DiscardHandler))
	srv.Start()
	defer srv.Close()

	cases := []struct {
		name, query string
		chunks      int           // chunks of progressChunk bytes sent
		pause       time.Duration // before each chunk
		stall       bool          // after the chunks, send a few bytes and stall
		want        string        // suffix of the answer; "" for a failed request
	}{
		{name: "steady body over three timeouts", chunks: 6, pause: timeout / 2, want: fmt.Sprintf("read %d\n", 6*progressChunk)},
		{name: "stalled body", chunks: 1, stall: true},
		{name: "stream over five timeouts", query: "?stream", want: "line 4\nread 0\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				for i := 0; i < tc.chunks; i++ {
					time.Sleep(tc.pause)
					if _, err := pw.Write(make([]byte, progressChunk)); err != nil {
						return
					}
				}
				if tc.stall {
					_, _ = pw.Write([]byte("{}"))
					time.Sleep(10 * timeout)
				}
				_ = pw.Close()
			}()
			start := time.Now()
			resp, err := http.Post(srv.URL+"/"+tc.query, "application/octet-stream", pr)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
				}
			}
			switch {
			case tc.want == "" && err == nil:
				t.Errorf("stalled request answered %q after %v", body, time.Since(start))
			case tc.want == "" && time.Since(start) > 5*timeout:
				t.Errorf("stalled request cut off after %v, want about %v", time.Since(start), timeout)
			case tc.want != "" && (err != nil || !strings.HasSuffix(string(body), tc.want)):
				t.Errorf("got %q, %v after %v; want an answer ending %q", body, err, time.Since(start), tc.want)
			}
		})
	}
}
