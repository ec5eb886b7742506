package controller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether/api/v1alpha1"
)

// secretVar is a variable from key of Secret name.
func secretVar(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}}
}

// The injections of the syncs of TestWebhookInjectsPods, as the
// reconciler derives them from the PodDefault rules.
var (
	s3Env = []corev1.EnvVar{secretVar("AWS_ACCESS_KEY_ID", "s3-data", "AWS_ACCESS_KEY_ID"),
		{Name: "TETHER_S3_CONNECTION", Value: "s3-data"}}
	s3Injection    = &v1alpha1.PodInjection{Env: s3Env}
	otherInjection = &v1alpha1.PodInjection{Env: []corev1.EnvVar{
		secretVar("AWS_ACCESS_KEY_ID", "s3-other", "AWS_ACCESS_KEY_ID")}}
	registryEnv       = []corev1.EnvVar{{Name: "DOCKER_CONFIG", Value: "/home/jovyan/.docker"}}
	registryVolume    = corev1.Volume{Name: "tether-registry", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "registry"}}}
	registryMount     = corev1.VolumeMount{Name: "tether-registry", MountPath: "/home/jovyan/.docker", ReadOnly: true}
	registryInjection = &v1alpha1.PodInjection{Env: registryEnv, Volumes: []corev1.Volume{registryVolume},
		VolumeMounts: []corev1.VolumeMount{registryMount}}
	sharedEnv       = []corev1.EnvVar{{Name: "SHARED_URL", Value: "https://shared.example"}}
	sharedInjection = &v1alpha1.PodInjection{Env: sharedEnv}
)

// syncFixture is a sync to create, and the status to give it.
type syncFixture struct {
	name, connNS, connID string
	injection            *v1alpha1.PodInjection
	notReady             string // the message of a Ready=False condition
	cluster              map[string]string
}

// createSyncs creates the fixtures in ns and sets their status through
// the status subresource, as the reconciler does.
func createSyncs(t *testing.T, c client.Client, ns string, fixtures []syncFixture) {
	t.Helper()
	for _, f := range fixtures {
		spec := v1alpha1.DeliverySpec{Connection: v1alpha1.ConnectionRef{Namespace: f.connNS, ID: f.connID}}
		status := v1alpha1.SyncStatus{Injection: f.injection}
		if f.notReady != "" {
			status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Invalid",
				Message: f.notReady, LastTransitionTime: metav1.Now()}}
		}
		var obj client.Object
		if f.cluster != nil {
			s := &v1alpha1.ClusterConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: f.name},
				Spec: v1alpha1.ClusterConnectionSyncSpec{DeliverySpec: spec,
					NamespaceSelector: metav1.LabelSelector{MatchLabels: f.cluster}}}
			obj = s
			t.Cleanup(func() { _ = c.Delete(context.Background(), s) })
		} else {
			obj = &v1alpha1.ConnectionSync{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: f.name},
				Spec: v1alpha1.ConnectionSyncSpec{DeliverySpec: spec}}
		}
		if err := c.Create(t.Context(), obj); err != nil {
			t.Fatalf("create %s: %v", f.name, err)
		}
		switch s := obj.(type) {
		case *v1alpha1.ClusterConnectionSync:
			s.Status.SyncStatus = status
		case *v1alpha1.ConnectionSync:
			s.Status = status
		}
		if err := c.Status().Update(t.Context(), obj); err != nil {
			t.Fatalf("status of %s: %v", f.name, err)
		}
	}
}

// annotatedPod is a pod with an init container and two containers, annotated
// with connections unless nil, whose main container has env.
func annotatedPod(ns, name string, connections *string, env []corev1.EnvVar) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
			Containers:     []corev1.Container{{Name: "main", Image: "busybox", Env: env}, {Name: "sidecar", Image: "busybox"}},
		}}
	if connections != nil {
		p.Annotations = map[string]string{ConnectionsAnnotation: *connections}
	}
	return p
}

// TestWebhookInjectsPods registers the webhook with the real API server
// and creates pods through it: the stored pods carry what the syncs of
// their namespace deliver, pods asking for what is not delivered, or
// asking ambiguously, are refused with a message naming it, and pods
// without the annotation are never sent to the webhook.
func TestWebhookInjectsPods(t *testing.T) {
	_, c := injectAPI(t)
	injectCRDs(t, c)
	url, ca := startWebhook(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	label := hex.EncodeToString(b)
	sel := map[string]string{"tether-test-webhook": label}
	ns := injectNamespace(t, c, "inject", sel)
	if err := c.Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}}); err != nil {
		t.Fatal(err)
	}
	refInjection, volumeInjection := directInjection(t)
	createSyncs(t, c, ns, []syncFixture{
		{name: "s3", connID: "s3-data", injection: s3Injection},
		{name: "by-ref", connID: "by-ref", injection: refInjection},
		{name: "datasets", connID: "datasets", injection: volumeInjection},
		{name: "s3-other", connNS: "default", connID: "s3-other", injection: otherInjection},
		{name: "registry", connNS: "team-b", connID: "registry", injection: registryInjection},
		{name: "gcs", connID: "gcs-data", notReady: "gcs connections are delivered as files: give podDefault.mountPath"},
		{name: "pending", connID: "pending"},
		{name: "shared-" + label, connID: "shared", injection: sharedInjection, cluster: sel},
		{name: "elsewhere-" + label, connID: "elsewhere", injection: sharedInjection,
			cluster: map[string]string{"tether-test-webhook": "none"}},
	})
	registerWebhook(t, c, "tether-test-"+label, url, ca, sel)
	absent := "absent"
	eventuallyInject(t, 30*time.Second, "the API server calls the webhook", func() bool {
		err := c.Create(t.Context(), annotatedPod(ns, "probe", &absent, nil), client.DryRunAll)
		return err != nil && strings.Contains(err.Error(), "default/absent")
	})
	str := func(s string) *string { return &s }
	cases := []struct {
		name        string
		connections *string
		env         []corev1.EnvVar // of the main container, before
		wantErr     []string        // substrings of the refusal
		wantEnv     []corev1.EnvVar // of every container (main: after env)
		wantVolumes []corev1.Volume
		wantMounts  []corev1.VolumeMount
		wantRecord  []injected
	}{
		{name: "env", connections: str("s3-data"), wantEnv: s3Env,
			wantRecord: []injected{{Connection: "default/s3-data", Sync: "ConnectionSync/s3",
				Env: []string{"AWS_ACCESS_KEY_ID", "TETHER_S3_CONNECTION"}}}},
		{name: "two, one mounted", connections: str(" s3-data , team-b/registry"),
			wantEnv:     append(append([]corev1.EnvVar{}, s3Env...), registryEnv...),
			wantVolumes: []corev1.Volume{registryVolume}, wantMounts: []corev1.VolumeMount{registryMount},
			wantRecord: []injected{
				{Connection: "default/s3-data", Sync: "ConnectionSync/s3", Env: []string{"AWS_ACCESS_KEY_ID", "TETHER_S3_CONNECTION"}},
				{Connection: "team-b/registry", Sync: "ConnectionSync/registry", Env: []string{"DOCKER_CONFIG"},
					Volumes: []string{"tether-registry"}, VolumeMounts: []string{"/home/jovyan/.docker"}}}},
		{name: "cluster sync", connections: str("default/shared,shared"), wantEnv: sharedEnv,
			wantRecord: []injected{{Connection: "default/shared", Sync: "ClusterConnectionSync/shared-" + label, Env: []string{"SHARED_URL"}}}},
		{name: "pod has it identically", connections: str("s3-data"), env: s3Env[:1], wantEnv: s3Env,
			wantRecord: []injected{{Connection: "default/s3-data", Sync: "ConnectionSync/s3",
				Env: []string{"AWS_ACCESS_KEY_ID", "TETHER_S3_CONNECTION"}}}},
		{name: "not synced", connections: str("team-c/nothing"),
			wantErr: []string{"connection team-c/nothing is not delivered to namespace " + ns}},
		{name: "other namespaces' cluster sync", connections: str("elsewhere"),
			wantErr: []string{"connection default/elsewhere is not delivered to namespace " + ns}},
		{name: "needs a mount path", connections: str("s3-data,gcs-data"),
			wantErr: []string{"connection default/gcs-data", "namespace " + ns, "give podDefault.mountPath"}},
		{name: "not delivered yet", connections: str("pending"),
			wantErr: []string{"connection default/pending", "ConnectionSync/pending", "not been delivered yet"}},
		{name: "two connections disagree", connections: str("s3-data, s3-other"),
			wantErr: []string{"variable AWS_ACCESS_KEY_ID", "default/s3-data", "default/s3-other"}},
		{name: "pod disagrees", connections: str("s3-data"), env: []corev1.EnvVar{{Name: "AWS_ACCESS_KEY_ID", Value: "mine"}},
			wantErr: []string{"variable AWS_ACCESS_KEY_ID of container main", "default/s3-data"}},
		{name: "empty entry", connections: str("s3-data,,shared"), wantErr: []string{ConnectionsAnnotation, "entry 2 is empty"}},
		{name: "empty", connections: str(""), wantErr: []string{"entry 1 is empty"}},
		{name: "too many slashes", connections: str("a/b/c"), wantErr: []string{`entry 1 "a/b/c" is not a connection name`}},
		{name: "not a label", connections: str("S3_Data"), wantErr: []string{`"S3_Data" is not a connection name`}},
	}
	for i, tc := range cases {
		pod := annotatedPod(ns, fmt.Sprintf("pod-%d", i), tc.connections, tc.env)
		err := c.Create(t.Context(), pod)
		if len(tc.wantErr) > 0 {
			if err == nil {
				t.Errorf("%s: created, want refused", tc.name)
				continue
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: refused with %q, want it to contain %q", tc.name, err, w)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		checkInjected(t, c, tc.name, pod, tc.wantEnv, tc.wantVolumes, tc.wantMounts, tc.wantRecord)
	}
	direct := annotatedPod(ns, "direct", str("by-ref,datasets"), nil)
	if err := c.Create(t.Context(), direct); err != nil {
		t.Errorf("a pod given a reference and a volume: %v", err)
	} else {
		checkDirectPod(t, direct)
	}
	checkNotSent(t, c, ns)
}

// checkInjected reads the stored pod and compares it with what it should
// have been given.
func checkInjected(t *testing.T, c client.Client, name string, pod *corev1.Pod, env []corev1.EnvVar,
	volumes []corev1.Volume, mounts []corev1.VolumeMount, record []injected) {
	t.Helper()
	var got corev1.Pod
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(pod), &got); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	all := append(append([]corev1.Container{}, got.Spec.InitContainers...), got.Spec.Containers...)
	for _, ctr := range all {
		if d := cmp.Diff(env, ctr.Env); d != "" {
			t.Errorf("%s: env of %s (-want +got):\n%s", name, ctr.Name, d)
		}
		var tether []corev1.VolumeMount
		for _, m := range ctr.VolumeMounts {
			if !strings.HasPrefix(m.MountPath, "/var/run/secrets/kubernetes.io/") {
				tether = append(tether, m)
			}
		}
		if d := cmp.Diff(mounts, tether); d != "" {
			t.Errorf("%s: mounts of %s (-want +got):\n%s", name, ctr.Name, d)
		}
	}
	var vols []corev1.Volume
	for _, v := range got.Spec.Volumes {
		if !strings.HasPrefix(v.Name, "kube-api-access-") {
			vols = append(vols, v)
		}
	}
	if d := cmp.Diff(volumes, vols, cmpSecretVolume); d != "" {
		t.Errorf("%s: volumes (-want +got):\n%s", name, d)
	}
	var rec []injected
	if err := json.Unmarshal([]byte(got.Annotations[InjectedAnnotation]), &rec); err != nil {
		t.Errorf("%s: annotation %s = %q: %v", name, InjectedAnnotation, got.Annotations[InjectedAnnotation], err)
	}
	if d := cmp.Diff(record, rec); d != "" {
		t.Errorf("%s: %s (-want +got):\n%s", name, InjectedAnnotation, d)
	}
}

// cmpSecretVolume ignores the default mode the API server gives a Secret
// volume.
var cmpSecretVolume = cmp.Transformer("noDefaultMode", func(s corev1.SecretVolumeSource) corev1.SecretVolumeSource {
	s.DefaultMode = nil
	return s
})

// checkNotSent creates a pod without the annotation: it is stored as
// given and the webhook never sees it.
func checkNotSent(t *testing.T, c client.Client, ns string) {
	t.Helper()
	before := webhookRequests(t)
	pod := annotatedPod(ns, "plain", nil, nil)
	if err := c.Create(t.Context(), pod); err != nil {
		t.Fatalf("a pod without connections: %v", err)
	}
	var got corev1.Pod
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(pod), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Annotations[InjectedAnnotation]; ok || len(got.Spec.Containers[0].Env) != 0 {
		t.Errorf("a pod without connections was changed: %v %v", got.Annotations, got.Spec.Containers[0].Env)
	}
	if after := webhookRequests(t); after != before {
		t.Errorf("a pod without connections was sent to the webhook (%v requests, then %v)", before, after)
	}
	if before == 0 {
		t.Error("the webhook counted no request at all")
	}
}

// TestInjectTwice checks that a pod injected again, as the API server
// does when a later webhook changes it (reinvocationPolicy IfNeeded), is
// unchanged.
func TestInjectTwice(t *testing.T) {
	found := []delivered{
		{Connection: "default/s3-data", Sync: "ConnectionSync/s3", Injection: s3Injection},
		{Connection: "team-b/registry", Sync: "ConnectionSync/registry", Injection: registryInjection},
	}
	pod := annotatedPod("ns", "p", nil, nil)
	if err := inject(pod, found); err != nil {
		t.Fatal(err)
	}
	once := pod.DeepCopy()
	if err := inject(pod, found); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(once, pod); d != "" {
		t.Errorf("injected twice (-once +twice):\n%s", d)
	}
	if n := len(pod.Spec.InitContainers[0].Env); n != len(s3Env)+len(registryEnv) {
		t.Errorf("the init container has %d variables, want %d", n, len(s3Env)+len(registryEnv))
	}
}
