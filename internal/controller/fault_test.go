package controller_test

import (
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/controller"
)

// controllerProc is a `tether controller` process, the built binary,
// which a test can kill as a node failure would.
type controllerProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	done chan struct{}
	logs *syncBuffer
}

// startControllerProc runs `tether controller` for h's syncs with the
// cluster of kubeconfig, Tether's identity token and the extra args; it
// is stopped at the end of the test.
func (h *harness) startControllerProc(kubeconfig, token string, args ...string) *controllerProc {
	h.t.Helper()
	all := append([]string{"controller", "--kubeconfig", kubeconfig, "--resync-interval", "1h",
		"--metrics-addr", "0", "--health-addr", "0", "--selector", h.selector()}, args...)
	p := &controllerProc{t: h.t, cmd: exec.Command(tetherBin, all...), done: make(chan struct{}), logs: &syncBuffer{}}
	p.cmd.Env = []string{"HOME=" + h.t.TempDir(), "PATH=/usr/bin:/bin", "TETHER_URL=" + h.tether.URL,
		"TETHER_TOKEN=" + token, "TETHER_K8S_AUDIENCE=tether"}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	h.t.Cleanup(func() {
		p.stop()
		if h.t.Failed() {
			h.t.Logf("controller %d log:\n%s", p.cmd.Process.Pid, p.logs)
		}
	})
	return p
}

// kill kills the process at once (SIGKILL) and waits for it to be gone.
func (p *controllerProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop stops the process (SIGTERM), killing it if it takes too long.
func (p *controllerProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.kill()
	}
}

// exited reports whether the process has exited.
func (p *controllerProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kubeconfigFor writes a copy of kubeconfig whose cluster is at server
// (same credentials and CA) and returns its path.
func kubeconfigFor(t *testing.T, kubeconfig, server string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// apiHostPort is the host:port of kubeconfig's API server.
func apiHostPort(t *testing.T, kubeconfig string) string {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// secretEvents records, from a watch of one namespace's Secrets, the
// events of each Secret: what was written to them, seen by the API
// server's admin.
type secretEvents struct {
	mu     sync.Mutex
	events map[string][]watch.EventType
}

// watchSecrets starts recording the events of the Secrets of ns, until
// the end of the test.
func watchSecrets(t *testing.T, kubeconfig, ns string) *secretEvents {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	list, err := cs.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return cs.CoreV1().Secrets(ns).Watch(ctx, o)
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := &secretEvents{events: map[string][]watch.EventType{}}
	go func() {
		for ev := range w.ResultChan() {
			s, ok := ev.Object.(*corev1.Secret)
			if !ok {
				continue
			}
			e.mu.Lock()
			e.events[s.Name] = append(e.events[s.Name], ev.Type)
			e.mu.Unlock()
		}
	}()
	t.Cleanup(func() { w.Stop(); cancel() })
	return e
}

// of returns the events of Secret name so far.
func (e *secretEvents) of(name string) []watch.EventType {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]watch.EventType(nil), e.events[name]...)
}

// total is the number of events so far, of every Secret.
func (e *secretEvents) total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.events {
		n += len(ev)
	}
	return n
}

// runController runs the controller in-process for h's syncs, as
// startController does, with cfg changed by edit; it returns a channel
// that receives Run's error if it returns before the end of the test.
func (h *harness) runController(edit func(*controller.Config)) <-chan error {
	h.t.Helper()
	cfg := controller.Config{
		Tether:     client.ClientConfig{URL: h.tether.URL, Token: h.controllerToken(), ResponseTimeout: 5 * time.Second},
		Audience:   "tether",
		Kubeconfig: h.kubeconfig, ResyncInterval: time.Hour, MaxConcurrentReconciles: 2, Selector: h.selector(),
		MetricsAddr: "0", HealthAddr: "0",
	}
	edit(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done, early := make(chan error, 1), make(chan error, 1)
	h.logs = &syncBuffer{}
	go func() {
		err := controller.Run(ctx, cfg, h.logs)
		if ctx.Err() == nil {
			early <- err
		}
		done <- err
	}()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("controller: %v", err)
		}
		if h.t.Failed() {
			h.t.Logf("controller log:\n%s", h.logs)
		}
	})
	return early
}
