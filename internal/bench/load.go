package bench

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// NewRequest builds the i-th request of a worker.
type NewRequest func(worker, i int) (*http.Request, error)

// Sample is what one load run measured on the client side.
type Sample struct {
	Requests  int
	Errors    int
	Elapsed   time.Duration
	Latencies []time.Duration // of the successful requests
	FirstErr  string          // the first error, for diagnosis
}

// Load sends requests from concurrency workers, each waiting for its
// answer before sending the next (a closed loop, as wrk and hey do), for
// duration. An answer other than 2xx, or a transport error, is an error.
func Load(ctx context.Context, hc *http.Client, concurrency int, duration time.Duration, next NewRequest) Sample {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	samples := make([]Sample, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			samples[w] = worker(ctx, hc, w, next)
		}()
	}
	wg.Wait()
	out := Sample{Elapsed: time.Since(start)}
	for _, s := range samples {
		out.Requests += s.Requests
		out.Errors += s.Errors
		out.Latencies = append(out.Latencies, s.Latencies...)
		if out.FirstErr == "" {
			out.FirstErr = s.FirstErr
		}
	}
	return out
}

// worker sends requests one after the other until ctx ends.
func worker(ctx context.Context, hc *http.Client, w int, next NewRequest) Sample {
	s := Sample{Latencies: make([]time.Duration, 0, 1<<14)}
	for i := 0; ctx.Err() == nil; i++ {
		req, err := next(w, i)
		if err != nil {
			s.fail(err.Error())
			continue
		}
		t0 := time.Now()
		status, err := do(hc, req.WithContext(ctx))
		d := time.Since(t0)
		if ctx.Err() != nil {
			break // cut short by the end of the run: not counted
		}
		s.Requests++
		switch {
		case err != nil:
			s.fail(err.Error())
		case status/100 != 2:
			s.fail(http.StatusText(status))
		default:
			s.Latencies = append(s.Latencies, d)
		}
	}
	return s
}

func (s *Sample) fail(msg string) {
	s.Errors++
	if s.FirstErr == "" {
		s.FirstErr = msg
	}
}

// do sends req and reads the whole answer, so the connection is reused.
func do(hc *http.Client, req *http.Request) (int, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// NewClient is an HTTP client for concurrency workers on one host: every
// worker keeps its connection.
func NewClient(concurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.MaxConnsPerHost = concurrency*2, concurrency*2, 0
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}
