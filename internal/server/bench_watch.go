package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/bench"
)

// benchWatchWrites is how many writes each watcher of "--ops watch"
// sees; it runs with 1, then 1000 watchers.
const benchWatchWrites = 100

// watchLatencies collects, per write, when it was sent, and the delays
// from then to its event at each watcher.
type watchLatencies struct {
	mu   sync.Mutex
	sent map[string]time.Time
	lat  []time.Duration
}

func (l *watchLatencies) arrived(id string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.sent[id]; ok {
		l.lat = append(l.lat, at.Sub(t))
	}
}

// benchWatch measures the change feed with each number of watchers of the
// benchmark namespace: the latency from a write (sent; its answer comes
// after the commit) to its event at every watcher, p50/p99 over every
// (write, watcher) pair, and the server's heap and RSS per watcher.
func (a *app) benchWatch(ctx context.Context, s *benchServer, r *bench.Report, n int) error {
	for _, watchers := range []int{1, 1000} {
		fmt.Fprintf(a.env.Stderr, "measuring watch with %d watchers...\n", watchers)
		res, perWatcher, err := benchWatchWith(ctx, s, watchers)
		if err != nil {
			return err
		}
		res.Connections = n
		r.Results = append(r.Results, res)
		if watchers > 1 {
			r.WatchHeapKiB, r.WatchRSSKiB = perWatcher[0], perWatcher[1]
		}
	}
	return nil
}

// benchWatchWith runs watchers watchers while benchWatchWrites writes
// are made one after the other, and returns the latencies, and the heap
// and RSS growth of the server per watcher (KiB).
func benchWatchWith(ctx context.Context, s *benchServer, watchers int) (bench.Result, [2]float64, error) {
	var perWatcher [2]float64
	cl, err := client.NewClient(s.URL, func() (string, error) { return s.Reader, nil },
		&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: watchers}})
	if err != nil {
		return bench.Result{}, perWatcher, err
	}
	rv, err := currentVersion(ctx, s.Admin)
	if err != nil {
		return bench.Result{}, perWatcher, err
	}
	heap0, rss0 := serverMemory(s)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	lat := &watchLatencies{sent: map[string]time.Time{}}
	ready, wait := startWatchers(wctx, cl, watchers, rv, lat)
	ready.Wait()
	time.Sleep(time.Second) // let the server's heap settle
	heap1, rss1 := serverMemory(s)
	perWatcher = [2]float64{(heap1 - heap0) / 1024 / float64(watchers), (rss1 - rss0) / 1024 / float64(watchers)}
	sample, err := benchWatchWrite(ctx, s, lat, watchers)
	stop()
	if werr := wait(); err == nil {
		err = werr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return bench.Result{}, perWatcher, err
	}
	return bench.NewResult(fmt.Sprintf("watch-%d", watchers), sample), perWatcher, nil
}

// startWatchers starts watchers watches from rv, recording in lat when
// each event arrives. ready is done once each has its first event; wait
// waits for them to end (after ctx) and returns the first error.
func startWatchers(ctx context.Context, cl *client.Client, watchers int, rv int64, lat *watchLatencies) (*sync.WaitGroup, func() error) {
	var ready, done sync.WaitGroup
	errs := make(chan error, watchers)
	for range watchers {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			first := true
			err := cl.Watch(ctx, benchNamespace, tether.WatchOptions{Resume: true, ResourceVersion: rv}, func(e tether.WatchEvent) error {
				if first {
					first = false
					ready.Done()
				}
				if e.Connection != nil {
					lat.arrived(e.Connection.ID, time.Now())
				}
				return nil
			})
			if first {
				ready.Done()
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	return &ready, func() error {
		done.Wait()
		close(errs)
		return <-errs
	}
}

// benchWatchWrite makes the writes, each once the previous one reached
// every watcher (or after 10s), and returns the latencies as a sample.
func benchWatchWrite(ctx context.Context, s *benchServer, lat *watchLatencies, watchers int) (bench.Sample, error) {
	w := newBenchWorkload(s, 0)
	hc := &http.Client{}
	start := time.Now()
	for i := range benchWatchWrites {
		id := fmt.Sprintf("watch-%d-%05d", watchers, i)
		req, err := w.newRequest(http.MethodPost, w.base, s.Writer, benchBody(id, "watched"))
		if err != nil {
			return bench.Sample{}, err
		}
		lat.mu.Lock()
		lat.sent[id] = time.Now()
		lat.mu.Unlock()
		resp, err := hc.Do(req.WithContext(ctx))
		if err != nil {
			return bench.Sample{}, tether.Internal("server.bench", err)
		}
		resp.Body.Close()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			lat.mu.Lock()
			got := len(lat.lat)
			lat.mu.Unlock()
			if got >= (i+1)*watchers {
				break
			}
		}
	}
	lat.mu.Lock()
	defer lat.mu.Unlock()
	s2 := bench.Sample{Latencies: lat.lat, Elapsed: time.Since(start)}
	if missing := benchWatchWrites*watchers - len(lat.lat); missing > 0 {
		s2.Errors, s2.FirstErr = missing, fmt.Sprintf("%d events never arrived", missing)
	}
	return s2, nil
}

// currentVersion returns the store's resource version: the bookmark that
// ends the initial events of a watch of the (empty) default namespace.
func currentVersion(ctx context.Context, cl *client.Client) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var rv int64
	found := errors.New("found")
	err := cl.Watch(ctx, tether.DefaultNamespace, tether.WatchOptions{}, func(e tether.WatchEvent) error {
		if e.Type == tether.EventBookmark {
			rv = e.ResourceVersion
			return found
		}
		return nil
	})
	if errors.Is(err, found) {
		return rv, nil
	}
	return 0, err
}

// serverMemory returns the server's heap in use (go_memstats_heap_alloc_bytes
// of /metrics) and its resident set size, in bytes; 0 for what cannot be
// read.
func serverMemory(s *benchServer) (heap, rss float64) {
	if resp, err := http.Get(s.URL + "/metrics"); err == nil {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_alloc_bytes "); ok {
				heap, _ = strconv.ParseFloat(v, 64)
			}
		}
		resp.Body.Close()
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(s.Proc.PID) + "/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				rss = kb * 1024
			}
		}
	}
	return heap, rss
}
