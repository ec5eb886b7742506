package kube_test

import (
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// TestDeliverySecretName checks that SecretName names the Secret, and the
// PodDefault's references to it, apart from the PodDefault's name and
// label; and that a bad one is refused.
func TestDeliverySecretName(t *testing.T) {
	cases := []struct {
		name, mount string
	}{{"env", ""}, {"mount", "/home/jovyan/.aws"}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, typ := conn(t, "s3")
			o := kube.DeliveryOptions{Name: "team-data", SecretName: "aws.team-data", MountPath: tc.mount}
			s, err := kube.Secret(c, typ, o)
			if err != nil {
				t.Fatal(err)
			}
			pd, err := kube.PodDefault(c, typ, o)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != "aws.team-data" || pd.Name != "team-data" || pd.Spec.Selector.MatchLabels["team-data"] != "true" {
				t.Errorf("Secret %q, PodDefault %q selecting %v; want aws.team-data, team-data, team-data", s.Name, pd.Name, pd.Spec.Selector.MatchLabels)
			}
			refs := 0
			for _, e := range pd.Spec.Env {
				if e.ValueFrom != nil {
					refs++
					if got := e.ValueFrom.SecretKeyRef.Name; got != "aws.team-data" {
						t.Errorf("%s refers to Secret %q, want aws.team-data", e.Name, got)
					}
				}
			}
			for _, v := range pd.Spec.Volumes {
				refs++
				if got := v.Secret.SecretName; got != "aws.team-data" {
					t.Errorf("volume %s mounts Secret %q, want aws.team-data", v.Name, got)
				}
			}
			if refs == 0 {
				t.Error("the PodDefault refers to no Secret")
			}
		})
	}
	c, typ := conn(t, "s3")
	_, err := kube.Secret(c, typ, kube.DeliveryOptions{SecretName: "Not_A_Name"})
	if tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("SecretName Not_A_Name: %v, want EINVALID", err)
	}
}
