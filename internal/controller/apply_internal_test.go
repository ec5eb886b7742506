package controller

import (
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// TestDeliveryHash: the restart targets' hash follows the connection's
// version, its name, the Secret's name and the mount path, and never
// depends on a secret value or on options that shape only the pods.
func TestDeliveryHash(t *testing.T) {
	conn := func(ns, id string, version int64, secret string) *tether.Connection {
		return &tether.Connection{Namespace: ns, ID: id, Status: tether.ConnectionStatus{Version: version},
			Spec: tether.ConnectionSpec{Type: "s3", KeySecret: tether.Secret(secret)}}
	}
	spec := v1alpha1.DeliverySpec{Connection: v1alpha1.ConnectionRef{Namespace: "default", ID: "data"}}
	base := deliveryHash(conn("default", "data", 3, "a"), spec)
	renamed, mounted, prefixed, restarted := spec, spec, spec, spec
	renamed.SecretName = "other"
	mounted.PodDefault = &v1alpha1.PodDefaultSpec{MountPath: "/data"}
	prefixed.PodDefault = &v1alpha1.PodDefaultSpec{Prefix: "TEAM_B_", Items: []string{"AWS_REGION"}, Label: "x"}
	restarted.RestartTargets = []v1alpha1.RestartTarget{{Kind: v1alpha1.RestartDeployment, Name: "web"}}
	cases := []struct {
		name string
		hash string
		same bool
	}{
		{"another secret value", deliveryHash(conn("default", "data", 3, "b"), spec), true},
		{"another version", deliveryHash(conn("default", "data", 4, "a"), spec), false},
		{"another connection", deliveryHash(conn("team", "data", 3, "a"), spec), false},
		{"another Secret name", deliveryHash(conn("default", "data", 3, "a"), renamed), false},
		{"another mount", deliveryHash(conn("default", "data", 3, "a"), mounted), false},
		{"another prefix, items and label", deliveryHash(conn("default", "data", 3, "a"), prefixed), true},
		{"another restart target", deliveryHash(conn("default", "data", 3, "a"), restarted), true},
	}
	for _, tc := range cases {
		if (tc.hash == base) != tc.same {
			t.Errorf("%s: same hash = %v, want %v", tc.name, tc.hash == base, tc.same)
		}
		if len(tc.hash) != 64 {
			t.Errorf("%s: hash %q is not hex SHA-256", tc.name, tc.hash)
		}
	}
}
