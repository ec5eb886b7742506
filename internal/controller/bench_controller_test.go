package controller_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// benchController is "tether controller" run from the built binary, so
// that its memory is its own.
type benchController struct {
	cmd     *exec.Cmd
	done    chan struct{}
	logs    *syncBuffer
	metrics string // URL of its /metrics
}

// startController runs the controller until the end of b, reaching the
// API server through kubeconfig and serving the syncs labelled run, with
// leader election (its Lease in leaseNS) and the given resync interval.
// Extra flags come from TETHER_BENCH_CONTROLLER_FLAGS.
func (w *benchWorld) startController(b *testing.B, kubeconfig, run, leaseNS string, resync time.Duration) *benchController {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	args := []string{"controller", "--kubeconfig", kubeconfig, "--resync-interval", resync.String(),
		"--metrics-addr", addr, "--health-addr", "0", "--leader-elect", "--leader-election-namespace", leaseNS,
		"--selector", testRunLabel + "=" + run}
	args = append(args, strings.Fields(os.Getenv("TETHER_BENCH_CONTROLLER_FLAGS"))...)
	c := &benchController{cmd: exec.Command(tetherBin, args...), done: make(chan struct{}), logs: &syncBuffer{},
		metrics: "http://" + addr + "/metrics"}
	c.cmd.Env = []string{"HOME=" + b.TempDir(), "PATH=/usr/bin:/bin", "TETHER_URL=" + w.tether.URL,
		"TETHER_TOKEN=" + w.token, "TETHER_K8S_AUDIENCE=tether"}
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if err := c.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	b.Cleanup(func() {
		c.stop()
		if b.Failed() {
			b.Logf("controller log (tail):\n%s", tail(c.logs.String(), 40))
		}
	})
	return c
}

// stop stops the controller (SIGTERM) and waits for it to exit.
func (c *benchController) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// memory is the controller process's memory in MiB: resident now, its
// peak, and the Go heap in use (from its /metrics).
type memory struct{ rss, hwm, heap float64 }

// memory reads the controller's memory.
func (c *benchController) memory(b *testing.B) memory {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	var m memory
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = kb / 1024
		case "VmHWM:":
			m.hwm = kb / 1024
		}
	}
	m.heap = c.gauge(b, "go_memstats_heap_inuse_bytes") / (1 << 20)
	return m
}

// gauge returns the value of the gauge name on the controller's /metrics.
func (c *benchController) gauge(b *testing.B, name string) float64 {
	b.Helper()
	resp, err := http.Get(c.metrics)
	if err != nil {
		b.Fatalf("the controller's /metrics: %v", err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		b.Fatalf("parse the controller's /metrics: %v", err)
	}
	f := families[name]
	if f == nil || len(f.GetMetric()) == 0 {
		b.Fatalf("the controller's /metrics has no %s", name)
	}
	return f.GetMetric()[0].GetGauge().GetValue()
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
