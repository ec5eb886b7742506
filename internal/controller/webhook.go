package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// The pod-injection webhook's path and annotations.
const (
	// WebhookPath is where the pod-injection webhook is served.
	WebhookPath = "/mutate-v1-pod"
	// ConnectionsAnnotation is the pod annotation that asks for
	// connections: a comma-separated list of "id" or "namespace/id"
	// (Tether namespace "default" when omitted).
	ConnectionsAnnotation = "tether.ml/connections"
	// InjectedAnnotation is the annotation the webhook sets on the pods
	// it changes: what each connection gave them, by name only.
	InjectedAnnotation = "tether.ml/injected"
)

// maxConnectionsPerPod bounds the connections one pod may ask for.
const maxConnectionsPerPod = 32

// setupWebhook serves the pod-injection webhook at WebhookPath on mgr's
// webhook server.
//
// A pod annotated tether.ml/connections: "s3-data, team-b/registry" gets,
// for each connection, the status.injection of the ConnectionSync of its
// namespace that delivers it (or of a ClusterConnectionSync whose
// namespace selector matches its namespace): the variables into every
// container and init container, the volumes into the pod, the mounts into
// every container, as Kubeflow's PodDefault webhook applies a PodDefault.
// The pod is refused, with a message naming the connection and the
// namespace, when no sync of its namespace delivers a connection it asks
// for or none has delivered it yet; and, naming the variable (or volume
// or mount path), when two connections or the pod itself define one
// differently. A malformed annotation is refused with what is wrong.
//
// The webhook is meant to be registered with failurePolicy Fail and a
// matchCondition that sends it only the pods carrying
// tether.ml/connections: a pod asking for connections is never created
// without them, and no other pod depends on the webhook being up.
//
// Syncs are read from mgr's cache; a pod that would be refused is checked
// again against the API server, so that a sync written a moment before
// the pod does not refuse it.
func setupWebhook(mgr ctrl.Manager) error {
	in := &podInjector{
		cached:  mgr.GetClient(),
		live:    mgr.GetAPIReader(),
		decoder: admission.NewDecoder(mgr.GetScheme()),
	}
	log := mgr.GetLogger().WithName("webhook")
	mgr.GetWebhookServer().Register(WebhookPath, &webhook.Admission{Handler: in,
		LogConstructor: func(_ logr.Logger, req *admission.Request) logr.Logger {
			return admission.DefaultLogConstructor(log, req)
		}})
	return nil
}

// podInjector is the admission handler of the pod-injection webhook.
type podInjector struct {
	cached  client.Reader // the manager's cache
	live    client.Reader // the API server, uncached
	decoder admission.Decoder
}

// Handle answers the admission review of a pod: its mutation, or why it
// is refused.
func (p *podInjector) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create {
		return admission.Allowed("only a pod being created is injected")
	}
	pod := &corev1.Pod{}
	if err := p.decoder.Decode(req, pod); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	value, ok := pod.Annotations[ConnectionsAnnotation]
	if !ok {
		return admission.Allowed("no connections asked for")
	}
	refs, err := parseConnections(value)
	if err != nil {
		return admission.Denied(err.Error())
	}
	found, err := p.lookup(ctx, req.Namespace, refs)
	if err != nil {
		var te *tether.Error
		if errors.As(err, &te) && te.Code != tether.EUNAVAILABLE {
			return admission.Denied(te.Message)
		}
		return admission.Errored(http.StatusServiceUnavailable, err)
	}
	if err := inject(pod, found); err != nil {
		return admission.Denied(err.Error())
	}
	raw, err := json.Marshal(pod)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return admission.PatchResponseFromRaw(req.Object.Raw, raw)
}

// lookup returns the injection of each connection of refs for pods of
// namespace ns, read from the cache and, if that refuses one, from the
// API server.
func (p *podInjector) lookup(ctx context.Context, ns string, refs []v1alpha1.ConnectionRef) ([]delivered, error) {
	found, err := findInjections(ctx, p.cached, ns, refs)
	var te *tether.Error
	if err != nil && errors.As(err, &te) && te.Code != tether.EUNAVAILABLE {
		found, err = findInjections(ctx, p.live, ns, refs)
	}
	return found, err
}

// parseConnections parses the value of tether.ml/connections: entries
// "id" or "namespace/id", separated by commas, spaces around them
// ignored, each a DNS-1123 label; a repeated entry counts once.
func parseConnections(value string) ([]v1alpha1.ConnectionRef, error) {
	const want = `want a comma-separated list of "id" or "namespace/id", e.g. "s3-data, team-b/registry"`
	entries := strings.Split(value, ",")
	if len(entries) > maxConnectionsPerPod {
		return nil, tether.Errorf(tether.EINVALID, "annotation %s: %d entries, at most %d",
			ConnectionsAnnotation, len(entries), maxConnectionsPerPod)
	}
	var refs []v1alpha1.ConnectionRef
	seen := map[v1alpha1.ConnectionRef]bool{}
	for i, e := range entries {
		ref, err := parseConnection(strings.TrimSpace(e))
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "annotation %s: entry %d %s: %s",
				ConnectionsAnnotation, i+1, err.Error(), want)
		}
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	return refs, nil
}

// parseConnection parses one entry of tether.ml/connections.
func parseConnection(entry string) (v1alpha1.ConnectionRef, error) {
	if entry == "" {
		return v1alpha1.ConnectionRef{}, errors.New("is empty")
	}
	ns, id, qualified := strings.Cut(entry, "/")
	if !qualified {
		ns, id = webhookDefaultNamespace, entry
	}
	for _, part := range []string{ns, id} {
		if len(validation.IsDNS1123Label(part)) > 0 {
			return v1alpha1.ConnectionRef{}, fmt.Errorf("%s is not a connection name", quoteEntry(entry))
		}
	}
	return v1alpha1.ConnectionRef{Namespace: ns, ID: id}, nil
}

// webhookDefaultNamespace is the Tether namespace of a connection named
// without one.
const webhookDefaultNamespace = "default"

// quoteEntry quotes an annotation entry for a message, or describes it
// when it is too long or odd to repeat.
func quoteEntry(entry string) string {
	if len(entry) > 128 || strings.ContainsFunc(entry, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "(too long or not printable)"
	}
	return fmt.Sprintf("%q", entry)
}

// annotationRef is ref as the annotation writes it: "namespace/id".
func annotationRef(ref v1alpha1.ConnectionRef) string {
	ns := ref.Namespace
	if ns == "" {
		ns = webhookDefaultNamespace
	}
	return ns + "/" + ref.ID
}
