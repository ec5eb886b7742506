package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/bench"
	"github.com/tether-ml/tether/internal/cli"
)

// benchOps are the operations measured, in order.
var benchOps = []string{"get", "decrypted", "list-first", "list-last", "create", "update"}

// benchConfig holds the flags of "tether bench".
type benchConfig struct {
	connections, concurrency int
	duration                 time.Duration
	db, profileDir, server   string
	json, cli, scale         bool
	ops                      []string
}

const benchLong = `Measure a Tether server on this machine: start one on a fresh data
directory (SQLite; PostgreSQL with --db, which must be an empty database),
load --connections connections, and drive it over loopback with
--concurrency clients for --duration per operation:

  get         a masked connection by id
  decrypted   a connection with its secrets, with a token of role user on
              the benchmark's namespace only (not the admin token)
  list-first  the first page of 100
  list-last   the last page of 100
  create      new connections
  update      existing connections
  watch       (only if asked for) the change feed: with 1, then 1,000
              watchers of the namespace, the latency from sending a write
              to its event at every watcher (p50/p99 over every pair), and
              the server's heap and RSS growth per watcher

For each: requests per second, latency percentiles, errors, and the
server's CPU seconds and peak RSS. The floor is a bare net/http handler
answering a body of the size of a get answer under the same load: every
rate is also given as a ratio to it.

--cli adds the CLI's cold start (median of 20 runs of "tether conn get").
--scale runs get, decrypted and the two lists at 1,000, 100,000 and
1,000,000 connections instead.`

func (a *app) benchCommand() *cobra.Command {
	var cfg benchConfig
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput and latency of a local server against the floor",
		Long:  benchLong,
		Example: `  tether bench
  tether bench --connections 100000 --duration 20s --json
  tether bench --ops get,decrypted --cli
  tether bench --scale`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.check(); err != nil {
				return err
			}
			r, err := a.runBench(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if cfg.json {
				return r.WriteJSON(a.env.Stdout)
			}
			return r.WriteTable(a.env.Stdout)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.connections, "connections", 10000, "connections to load (1 to 1000000)")
	f.IntVar(&cfg.concurrency, "concurrency", 32, "concurrent clients")
	f.DurationVar(&cfg.duration, "duration", 10*time.Second, "time per operation")
	f.StringVar(&cfg.db, "db", "", "PostgreSQL URL of an empty database (default: SQLite in a temporary directory)")
	f.BoolVar(&cfg.json, "json", false, "print JSON")
	f.BoolVar(&cfg.cli, "cli", false, "also measure the CLI's cold start")
	f.BoolVar(&cfg.scale, "scale", false, "run get, decrypted and the lists at 1k, 100k and 1M connections")
	f.StringSliceVar(&cfg.ops, "ops", benchOps, "operations to measure")
	f.StringVar(&cfg.server, "server", "", "the tether binary whose server to measure, e.g. an older build to compare with (default: this one)")
	f.StringVar(&cfg.profileDir, "profile", "", "write a CPU profile of the server during each operation into this directory (OP.pprof)")
	cmd.AddCommand(floorCommand())
	return cmd
}

func (c *benchConfig) check() error {
	if c.connections < 101 || c.connections > 1_000_000 {
		return cli.Usagef("--connections must be between 101 and 1000000")
	}
	if c.concurrency < 1 || c.duration <= 0 {
		return cli.Usagef("--concurrency and --duration must be positive")
	}
	for _, op := range c.ops {
		if !slices.Contains(benchOps, op) && op != "watch" {
			return cli.Usagef("unknown operation %q: use %s or watch", op, strings.Join(benchOps, ", "))
		}
	}
	return nil
}

// runBench runs the whole benchmark.
func (a *app) runBench(ctx context.Context, cfg benchConfig) (*bench.Report, error) {
	if cfg.profileDir != "" {
		// Made before seeding, so that a bad path fails in a second, not
		// after minutes of loading.
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return nil, &tether.Error{Code: tether.EINVALID, Op: "server.bench", Message: "--profile: " + err.Error()}
		}
	}
	r := &bench.Report{Concurrency: cfg.concurrency, Duration: cfg.duration.String(), Store: "sqlite", CPUs: runtime.NumCPU()}
	if cfg.db != "" {
		r.Store = "postgres"
	}
	sizes, ops := []int{cfg.connections}, cfg.ops
	if cfg.scale {
		sizes, ops = []int{1000, 100_000, 1_000_000}, []string{"get", "decrypted", "list-first", "list-last"}
	}
	for i, n := range sizes {
		if err := a.benchSize(ctx, cfg, r, n, ops, i == 0); err != nil {
			return nil, err
		}
	}
	for i := range r.Results {
		if r.FloorRPS > 0 {
			r.Results[i].FloorRatio = r.Results[i].RPS / r.FloorRPS
		}
	}
	return r, nil
}

// benchSize measures ops on a fresh server holding n connections; the
// first size also measures the floor and the CLI.
func (a *app) benchSize(ctx context.Context, cfg benchConfig, r *bench.Report, n int, ops []string, first bool) error {
	exe := cfg.server
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return tether.Internal("server.bench", err)
		}
	}
	dir, err := os.MkdirTemp("", "tether-bench-")
	if err != nil {
		return tether.Internal("server.bench", err)
	}
	if err := a.seedBench(ctx, dir, cfg.db, n, a.env.Stderr); err != nil {
		os.RemoveAll(dir)
		return err
	}
	s, err := startBenchServer(ctx, exe, dir, cfg.db, cfg.profileDir != "")
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	defer s.Stop()
	w := newBenchWorkload(s, n)
	hc := bench.NewClient(cfg.concurrency)
	for _, op := range ops {
		if op == "watch" {
			if err := a.benchWatch(ctx, s, r, n); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(a.env.Stderr, "measuring %s at %d connections...\n", op, n)
		s.Proc.ResetPeak()
		cpu := s.Proc.CPUTime()
		profiled := profileDuring(s, cfg, op, n)
		res := bench.NewResult(op, bench.Load(ctx, hc, cfg.concurrency, cfg.duration, w.request(op)))
		if err := <-profiled; err != nil {
			return err
		}
		res.CPUSeconds, res.PeakRSSMiB, res.Connections = bench.Seconds(s.Proc.CPUTime()-cpu), s.Proc.PeakRSSMiB(), w.total()
		r.Results = append(r.Results, res)
	}
	if !first {
		return nil
	}
	if err := a.benchFloor(ctx, cfg, r, w); err != nil {
		return err
	}
	if cfg.cli {
		ms, err := cliColdStart(s, benchID(0))
		if err != nil {
			return err
		}
		r.CLIColdStartMs = ms
	}
	return nil
}

// profileDuring starts fetching a CPU profile of the server for op, when
// --profile asks for one; the channel gives the outcome.
func profileDuring(s *benchServer, cfg benchConfig, op string, n int) <-chan error {
	done := make(chan error, 1)
	if cfg.profileDir == "" {
		done <- nil
		return done
	}
	path := filepath.Join(cfg.profileDir, fmt.Sprintf("%s-%d.pprof", op, n))
	go func() { done <- s.Profile(cfg.duration, path) }()
	return done
}

// benchFloor measures the floor with a body the size of a get answer.
func (a *app) benchFloor(ctx context.Context, cfg benchConfig, r *bench.Report, w *benchWorkload) error {
	size, err := w.getSize(ctx)
	if err != nil {
		return err
	}
	url, stop, err := startFloor(size)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintln(a.env.Stderr, "measuring the floor...")
	hc := bench.NewClient(cfg.concurrency)
	res := bench.NewResult("floor", bench.Load(ctx, hc, cfg.concurrency, cfg.duration, func(int, int) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, url+"/", nil)
	}))
	r.FloorRPS, r.FloorBody = res.RPS, size
	return nil
}

// floorCommand is "tether bench floor --size N": the floor server, run by
// bench in its own process as the server under test is. It prints its
// address and serves until killed.
func floorCommand() *cobra.Command {
	var size int
	cmd := &cobra.Command{
		Use:    "floor",
		Short:  "Serve the benchmark's floor: a fixed JSON body",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), ln.Addr().String())
			body := []byte(`"` + strings.Repeat("x", max(size-2, 0)) + `"`)
			return http.Serve(ln, bench.FloorHandler(body))
		},
	}
	cmd.Flags().IntVar(&size, "size", 512, "body size in bytes")
	return cmd
}
