package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// Result is the figures of one operation.
type Result struct {
	Op         string  `json:"op"`
	RPS        float64 `json:"rps"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	Errors     int     `json:"errors"`
	CPUSeconds float64 `json:"server_cpu_s"`
	PeakRSSMiB float64 `json:"server_peak_rss_mib"`
	FloorRatio float64 `json:"floor_ratio"`
	FirstError string  `json:"first_error,omitempty"`
	// Connections is how many connections the server held.
	Connections int `json:"connections"`
}

// NewResult summarises a sample of op.
func NewResult(op string, s Sample) Result {
	lat := slices.Clone(s.Latencies)
	slices.Sort(lat)
	r := Result{Op: op, Errors: s.Errors, FirstError: s.FirstErr}
	if s.Elapsed > 0 {
		r.RPS = float64(len(lat)) / s.Elapsed.Seconds()
	}
	if len(lat) > 0 {
		r.P50, r.P90, r.P99 = ms(quantile(lat, 0.50)), ms(quantile(lat, 0.90)), ms(quantile(lat, 0.99))
		r.Max = ms(lat[len(lat)-1])
	}
	return r
}

// quantile is the nearest-rank quantile q of sorted.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Seconds is d in seconds to the millisecond, the nearest float64 to that
// decimal: 1.59, where d.Seconds() gives 1.5899999999999999.
func Seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// Report is a whole run.
type Report struct {
	Results     []Result `json:"results"`
	FloorRPS    float64  `json:"floor_rps"`
	FloorBody   int      `json:"floor_body_bytes"`
	Concurrency int      `json:"concurrency"`
	Duration    string   `json:"duration"`
	Store       string   `json:"store"`
	CPUs        int      `json:"cpus"`
	// CLIColdStartMs is the median wall time of "tether conn get -o json"
	// (--cli), 0 when not measured.
	CLIColdStartMs float64 `json:"cli_cold_start_ms,omitempty"`
	// WatchHeapKiB and WatchRSSKiB are the server's heap and RSS growth
	// per watcher with 1,000 watchers (--ops watch), 0 when not measured.
	WatchHeapKiB float64 `json:"watch_heap_kib_per_watcher,omitempty"`
	WatchRSSKiB  float64 `json:"watch_rss_kib_per_watcher,omitempty"`
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes r as a table.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "store %s, concurrency %d, %s per operation, %d CPUs; floor %.0f req/s (%d-byte body)\n\n",
		r.Store, r.Concurrency, r.Duration, r.CPUs, r.FloorRPS, r.FloorBody)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tconnections\treq/s\tfloor ratio\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tcpu s\tpeak rss MiB\t")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.1f\t%.0f\t\n",
			x.Op, x.Connections, x.RPS, x.FloorRatio, x.P50, x.P90, x.P99, x.Max, x.Errors, x.CPUSeconds, x.PeakRSSMiB)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, x := range r.Results {
		if x.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", x.Op, x.FirstError)
		}
	}
	if r.WatchHeapKiB != 0 || r.WatchRSSKiB != 0 {
		fmt.Fprintf(w, "\nserver memory per watcher (1000 watchers): heap %.1f KiB, RSS %.1f KiB\n", r.WatchHeapKiB, r.WatchRSSKiB)
	}
	if r.CLIColdStartMs > 0 {
		fmt.Fprintf(w, "\nCLI cold start (tether conn get --id X -o json, median of 20): %.1f ms\n", r.CLIColdStartMs)
	}
	return nil
}
