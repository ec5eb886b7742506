package kube

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
)

// ManifestYAML returns objs as one multi-document YAML manifest, in order,
// with "---" between documents, ready for `kubectl apply -f -`. Every
// document has its apiVersion and kind: those an object lacks are taken
// from client-go's scheme (the built-in kinds); an object of another kind
// must carry its own (as PodDefaultObject does). objs are not modified.
func ManifestYAML(objs ...runtime.Object) ([]byte, error) {
	const op = "kube.ManifestYAML"
	var buf bytes.Buffer
	for i, obj := range objs {
		if obj == nil {
			return nil, tether.Internal(op, fmt.Errorf("object %d is nil", i))
		}
		obj = obj.DeepCopyObject()
		if obj.GetObjectKind().GroupVersionKind().Kind == "" {
			gvks, _, err := scheme.Scheme.ObjectKinds(obj)
			if err != nil || len(gvks) == 0 {
				return nil, tether.Internal(op, fmt.Errorf("object %d (%T) has no kind: %v", i, obj, err))
			}
			obj.GetObjectKind().SetGroupVersionKind(gvks[0])
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
