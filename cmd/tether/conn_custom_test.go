package main_test

import (
	"testing"
)

// customYAML is a custom connection whose secret parameter is set with
// --set-secret.
const customYAML = `kind: Connection
id: features
spec:
  type: custom
  uri: https://features.example.com
  parameters:
    PROJECT: churn
`

// TestConnCreateCustomSetSecret checks that --set-secret parameters.NAME
// on a custom connection sets the parameter and declares it secret: it is
// masked on read and revealed with --decrypted.
func TestConnCreateCustomSetSecret(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	r := c.run("tok-81c2e9\n", "conn", "create", "-f", writeFile(t, c.dir, "custom.yaml", customYAML),
		"--set-secret", "parameters.API_TOKEN=-")
	wantExit(t, r, 0)
	masked := c.getOne("features", false)
	params, _ := masked.Spec["parameters"].(map[string]any)
	keys, _ := masked.Spec["secretKeys"].([]any)
	if params["API_TOKEN"] != "*****" || params["PROJECT"] != "churn" || len(keys) != 1 || keys[0] != "API_TOKEN" {
		t.Errorf("read: parameters %v, secretKeys %v", params, keys)
	}
	revealed := c.getOne("features", true)
	if params, _ := revealed.Spec["parameters"].(map[string]any); params["API_TOKEN"] != "tok-81c2e9" {
		t.Errorf("revealed parameters %v", params)
	}
}
