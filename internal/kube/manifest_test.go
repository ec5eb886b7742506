package kube_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

func TestManifestYAML(t *testing.T) {
	c, typ := conn(t, "azureblob")
	s, err := kube.Secret(c, typ, kube.DeliveryOptions{Namespace: "user"})
	if err != nil {
		t.Fatal(err)
	}
	pd, err := kube.PodDefault(c, typ, kube.DeliveryOptions{Namespace: "user"})
	if err != nil {
		t.Fatal(err)
	}
	bare := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bare"}, StringData: map[string]string{"k": "v"}}
	got, err := kube.ManifestYAML(s, pd, bare)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: v1
data:
  AZURE_STORAGE_ACCOUNT: ` + b64("myaccount") + `
  AZURE_STORAGE_BLOB_ENDPOINT: ` + b64("https://myaccount.blob.core.windows.net/") + `
  AZURE_STORAGE_CONNECTION_STRING: ` + b64("BlobEndpoint=https://myaccount.blob.core.windows.net/;SharedAccessSignature="+azureSASToken) + `
  AZURE_STORAGE_CONTAINER: ` + b64("raw-data") + `
  AZURE_STORAGE_SAS_TOKEN: ` + b64(azureSASToken) + `
kind: Secret
metadata:
  name: training-data
  namespace: user
type: Opaque
---
apiVersion: kubeflow.org/v1alpha1
kind: PodDefault
metadata:
  name: training-data
  namespace: user
spec:
  desc: Tether connection training-data (azureblob)
  env:
  - name: AZURE_STORAGE_ACCOUNT
    valueFrom:
      secretKeyRef:
        key: AZURE_STORAGE_ACCOUNT
        name: training-data
  - name: AZURE_STORAGE_BLOB_ENDPOINT
    valueFrom:
      secretKeyRef:
        key: AZURE_STORAGE_BLOB_ENDPOINT
        name: training-data
  - name: AZURE_STORAGE_CONNECTION_STRING
    valueFrom:
      secretKeyRef:
        key: AZURE_STORAGE_CONNECTION_STRING
        name: training-data
  - name: AZURE_STORAGE_CONTAINER
    valueFrom:
      secretKeyRef:
        key: AZURE_STORAGE_CONTAINER
        name: training-data
  - name: AZURE_STORAGE_SAS_TOKEN
    valueFrom:
      secretKeyRef:
        key: AZURE_STORAGE_SAS_TOKEN
        name: training-data
  - name: TETHER_AZUREBLOB_CONNECTION
    value: training-data
  selector:
    matchLabels:
      training-data: "true"
---
apiVersion: v1
kind: Secret
metadata:
  name: bare
stringData:
  k: v
`
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("manifest (-want +got):\n%s", d)
	}
	if bare.Kind != "" {
		t.Errorf("ManifestYAML set the kind of its argument")
	}
	if _, err := kube.ManifestYAML(&kube.PodDefaultObject{}); tether.ErrorCode(err) != tether.EINTERNAL {
		t.Errorf("an object of unknown kind: got %v, want an %s error", err, tether.EINTERNAL)
	}
}
