package cli

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// thrownType is a connection type declared here only, with a file format
// and a Kubernetes Secret type.
func thrownType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:   "thrown",
		Fields: []tether.Field{{Name: "keySecret", Required: true, Secret: true, Base64: true}},
		Render: func(c *tether.Connection, _ string) (*tether.Rendering, error) {
			key, _ := base64.StdEncoding.DecodeString(c.Spec.KeySecret.Reveal())
			return &tether.Rendering{Env: map[string]string{}, Files: map[string][]byte{"key": key}}, nil
		},
		Formats:    []tether.FileFormat{{Name: "thrown-key", File: "key", Description: "the key"}},
		KubeSecret: &tether.KubeSecret{Type: "example.com/thrown", Keys: map[string]string{"key": "thrown-key"}},
	}
}

// TestRenderFormatsFollowTheRegistry checks that --as's values, its
// validation, the help and the rendering of a file format come from the
// types' declarations: the built-in types give the formats Tether has
// always had, and a type added to the registry adds its own.
func TestRenderFormatsFollowTheRegistry(t *testing.T) {
	builtin := newRenderFormats(conntype.New())
	if diff := cmp.Diff([]string{"env", "dotenv", "json", "airflow", "docker-config", "aws-credentials", "k8s-secret", "poddefault"},
		builtin.names); diff != "" {
		t.Errorf("built-in formats (-want +got):\n%s", diff)
	}
	wantHelp := "  docker-config    a docker config.json (docker and ecr connections)\n" +
		"  aws-credentials  an AWS shared credentials file (s3 and aws connections)\n" +
		"  k8s-secret       a Kubernetes Secret: kubernetes.io/dockerconfigjson for\n" +
		"                   docker and ecr, kubernetes.io/ssh-auth for git, Opaque\n" +
		"                   otherwise (for s3, Kaptain's aws-configuration keys)\n"
	if !strings.Contains(builtin.help(), wantHelp) {
		t.Errorf("built-in help:\n%s", builtin.help())
	}

	a := &app{types: conntype.New(thrownType())}
	o := renderOptions{id: "t", as: "thrown-key", formats: newRenderFormats(a.types)}
	if err := o.check(); err != nil {
		t.Fatalf("--as thrown-key: %v", err)
	}
	help := o.formats.help()
	words := strings.Join(strings.Fields(help), " ") // the help wraps lines
	if !strings.Contains(help, "  thrown-key       the key (thrown connections)\n") ||
		!strings.Contains(words, "kubernetes.io/ssh-auth for git, example.com/thrown for thrown, Opaque otherwise") {
		t.Errorf("help lacks the thrown type's format and Secret type:\n%s", help)
	}
	c := &tether.Connection{ID: "t", Spec: tether.ConnectionSpec{Type: "thrown",
		KeySecret: tether.Secret(base64.StdEncoding.EncodeToString([]byte("k3y")))}}
	if out, err := a.render(c, o); err != nil || string(out) != "k3y" {
		t.Errorf("--as thrown-key: %q, %v", out, err)
	}
	o.as = "docker-config"
	if _, err := a.render(c, o); err == nil || !strings.Contains(err.Error(), "this format needs a docker or ecr connection") {
		t.Errorf("--as docker-config of a thrown connection: %v", err)
	}
	o.as = "k8s-secret"
	if out, err := a.render(c, o); err != nil || !strings.Contains(string(out), "type: example.com/thrown") {
		t.Errorf("--as k8s-secret: %s, %v", out, err)
	}
}
