package controller

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// TestTokensCachedUntilEightyPercent: a ServiceAccount's token is
// requested once and reused until 80% of its ten minutes, then requested
// again; a ServiceAccount that does not exist is EFORBIDDEN, naming it.
func TestTokensCachedUntilEightyPercent(t *testing.T) {
	kc := kubetest.Kubeconfig(t)
	kubetest.Token(t, kc, "tokens-cache", "reader", "tether") // creates both
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tk := newTokens(cs, "tether")
	tk.now = func() time.Time { return now }
	cases := []struct {
		name    string
		advance time.Duration
		same    bool
	}{
		{"at once", 0, true},
		{"at 7 minutes", 7 * time.Minute, true},
		{"past 8 minutes", 80 * time.Second, false},
	}
	first, err := tk.token(t.Context(), "tokens-cache", "reader")
	if err != nil || first == "" {
		t.Fatalf("first token: %v", err)
	}
	for _, tc := range cases {
		now = now.Add(tc.advance)
		got, err := tk.token(t.Context(), "tokens-cache", "reader")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (got == first) != tc.same {
			t.Errorf("%s: same token = %v, want %v", tc.name, got == first, tc.same)
		}
	}
	_, err = tk.token(t.Context(), "tokens-cache", "nobody")
	if tether.ErrorCode(err) != tether.EFORBIDDEN || !strings.Contains(err.Error(), "tokens-cache/nobody does not exist") {
		t.Errorf("missing ServiceAccount: %v, want EFORBIDDEN naming it", err)
	}
}

// TestTokenErrorOutcome: a ServiceAccount that does not exist leaves its
// namespace without the identity, which removes what was delivered (under
// Delete); the controller's own lack of permission to request its token
// is a misconfiguration that keeps it and is retried; an API server that
// cannot be reached keeps it too.
func TestTokenErrorOutcome(t *testing.T) {
	gr := schema.GroupResource{Resource: "serviceaccounts"}
	cases := []struct {
		name          string
		err           error
		reason        string
		remove, retry bool
	}{
		{"missing", apierrors.NewNotFound(gr, "robot"), v1alpha1.ReasonForbidden, true, false},
		{"not permitted", apierrors.NewForbidden(gr, "robot", errors.New("RBAC")), v1alpha1.ReasonForbidden, false, true},
		{"unreachable", errors.New("dial tcp: connection refused"), v1alpha1.ReasonTetherUnavailable, false, true},
	}
	for _, tc := range cases {
		o := readOutcome(tokenError("team-a", "robot", tc.err))
		if o.reason != tc.reason || o.remove != tc.remove || o.retry != tc.retry {
			t.Errorf("%s: reason %s remove %v retry %v, want %s %v %v", tc.name, o.reason, o.remove, o.retry,
				tc.reason, tc.remove, tc.retry)
		}
		if !strings.Contains(o.message, "team-a/robot") {
			t.Errorf("%s: message %q does not name the ServiceAccount", tc.name, o.message)
		}
	}
}

// TestTokensOneRequestAtOnce: the syncs of one ServiceAccount reconciled
// at the same time share one TokenRequest, instead of each making its own
// while none is cached yet.
func TestTokensOneRequestAtOnce(t *testing.T) {
	kc := kubetest.Kubeconfig(t)
	kubetest.Token(t, kc, "tokens-flight", "reader", "tether") // creates both
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int32
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return tokenCounter{rt, &requests}
	})
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tk := newTokens(cs, "tether")
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Go(func() {
			tok, err := tk.token(t.Context(), "tokens-flight", "reader")
			if err != nil {
				t.Error(err)
			}
			got[i] = tok
		})
	}
	wg.Wait()
	if n := requests.Load(); n != 1 {
		t.Errorf("%d TokenRequests for 16 reconciles of one ServiceAccount at once, want 1", n)
	}
	for _, tok := range got {
		if tok == "" || tok != got[0] {
			t.Fatal("the reconciles got different tokens, or none")
		}
	}
}

// tokenCounter counts the TokenRequests sent through it.
type tokenCounter struct {
	rt http.RoundTripper
	n  *atomic.Int32
}

func (c tokenCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/token") {
		c.n.Add(1)
	}
	return c.rt.RoundTrip(r)
}
