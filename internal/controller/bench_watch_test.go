package controller_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/tether-ml/tether/internal/kube"
)

// watchSecrets calls seen, from one goroutine, with each added or changed
// Secret that a controller manages in the run's namespaces and the time
// the watch delivered it, until the end of b.
func (w *benchWorld) watchSecrets(b testing.TB, seen func(s *corev1.Secret, at time.Time)) {
	b.Helper()
	f := informers.NewSharedInformerFactoryWithOptions(w.core, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.LabelSelector = kube.ManagedByLabel + "=" + kube.ManagedBy
	}))
	inf := f.Core().V1().Secrets().Informer()
	see := func(o any) {
		if s, ok := o.(*corev1.Secret); ok && strings.HasPrefix(s.Namespace, w.run+"-") {
			seen(s, time.Now())
		}
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: see, UpdateFunc: func(_, o any) { see(o) }})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(func() { cancel(); f.Shutdown() })
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		b.Fatal("the watch of Secrets did not sync")
	}
}

// convergence counts the Secrets that hold what they should, and is done
// when all of them do.
type convergence struct {
	mu   sync.Mutex
	want map[string]string // secret key by "namespace/name"
	ok   map[string]bool
	done chan struct{}
}

func newConvergence(want map[string]string) *convergence {
	return &convergence{want: want, ok: map[string]bool{}, done: make(chan struct{})}
}

// see records Secret s as it now is.
func (c *convergence) see(s *corev1.Secret, _ time.Time) {
	key := s.Namespace + "/" + s.Name
	c.mu.Lock()
	defer c.mu.Unlock()
	want, ok := c.want[key]
	if !ok || len(c.ok) == len(c.want) {
		return
	}
	if string(s.Data["AWS_SECRET_ACCESS_KEY"]) == want {
		c.ok[key] = true
	} else {
		delete(c.ok, key)
	}
	if len(c.ok) == len(c.want) {
		close(c.done)
	}
}

// count is how many Secrets hold what they should.
func (c *convergence) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ok)
}
