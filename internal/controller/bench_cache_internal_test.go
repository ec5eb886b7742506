package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tether-ml/tether/api/v1alpha1"
)

// TestCacheStripsManagedFields: the objects the controller's cache holds
// (syncs and Secrets, thousands of each) leave their managed fields out.
func TestCacheStripsManagedFields(t *testing.T) {
	fields := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate}}
	tests := []struct {
		name string
		obj  metav1.Object
	}{
		{"Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", ManagedFields: fields}}},
		{"ConnectionSync", &v1alpha1.ConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: "s", ManagedFields: fields}}},
	}
	transform := cacheOptions(labels.Everything()).DefaultTransform
	if transform == nil {
		t.Fatal("the cache keeps objects as the API server sends them, managed fields and all")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := transform(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			if got := out.(metav1.Object).GetManagedFields(); got != nil {
				t.Errorf("cached %s keeps managed fields %v", tt.name, got)
			}
		})
	}
}
