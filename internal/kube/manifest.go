package kube

import (
	"bytes"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
)

// ManifestYAML returns objs as one multi-document YAML manifest, in order,
// with "---" between documents, ready for `kubectl apply -f -`. Every
// document has its apiVersion and kind: a Secret that lacks them gets
// v1/Secret; any other object must carry its own (as PodDefaultObject
// does). objs are not modified.
//
// The kinds are named here rather than looked up in client-go's scheme,
// whose package registers every built-in API group when the binary starts:
// that alone cost the CLI several milliseconds of every run.
func ManifestYAML(objs ...runtime.Object) ([]byte, error) {
	const op = "kube.ManifestYAML"
	var buf bytes.Buffer
	for i, obj := range objs {
		if obj == nil {
			return nil, tether.Internal(op, fmt.Errorf("object %d is nil", i))
		}
		obj = obj.DeepCopyObject()
		if obj.GetObjectKind().GroupVersionKind().Kind == "" {
			if _, ok := obj.(*corev1.Secret); !ok {
				return nil, tether.Internal(op, fmt.Errorf("object %d (%T) has no kind", i, obj))
			}
			obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "Secret"})
		}
		doc, err := yaml.Marshal(obj)
		if err != nil {
			return nil, tether.Internal(op, fmt.Errorf("object %d (%T): %w", i, obj, err))
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(doc)
	}
	return buf.Bytes(), nil
}
