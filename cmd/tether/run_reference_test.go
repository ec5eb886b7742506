package main_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRunRefusesWhatOnlyKubernetesDelivers checks tether run and conn
// render with the connections that refer to a Kubernetes Secret or are a
// volume claim: run refuses them with exit code 3, naming the object,
// and writes nothing; render --as poddefault prints a PodDefault alone;
// a host_path connection gives run its directory.
func TestRunRefusesWhatOnlyKubernetesDelivers(t *testing.T) {
	f := newRunFixture(t)
	f.create(t, map[string]any{"id": "team-data", "spec": map[string]any{"type": "s3", "uri": "s3://team-data",
		"region": "eu-central-1", "secret": map[string]any{"name": "aws-keys", "items": []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}}}})
	f.create(t, map[string]any{"id": "scratch", "spec": map[string]any{"type": "volume_claim", "uri": "scratch-claim",
		"parameters": map[string]any{"mountPath": "/scratch"}}})
	dir := t.TempDir()
	f.create(t, map[string]any{"id": "datasets", "spec": map[string]any{"type": "host_path", "uri": dir,
		"parameters": map[string]any{"mountPath": "/data", "readOnly": "true"}}})

	wantError(t, f.c.run("", "run", "-c", "team-data", "--", "true"), 3,
		"connection team-data refers to Kubernetes Secret aws-keys: it is delivered only inside Kubernetes")
	wantError(t, f.c.run("", "run", "-c", "data", "-c", "scratch", "--", "true"), 3,
		"connection scratch is Kubernetes PersistentVolumeClaim scratch-claim: it is delivered only inside Kubernetes")
	wantError(t, f.c.run("", "conn", "render", "--id", "team-data", "--as", "env"), 3, "refers to Kubernetes Secret aws-keys")
	wantError(t, f.c.run("", "conn", "render", "--id", "team-data", "--as", "k8s-secret"), 3, "refers to Kubernetes Secret aws-keys")
	f.requireNoFiles(t)
	if out := f.c.ok("run", "-c", "datasets", "--", "sh", "-c", `echo "$TETHER_VOLUME_PATH"`); out != dir+"\n" {
		t.Errorf("host_path under run: TETHER_VOLUME_PATH %q, want %q", out, dir)
	}

	pd := f.c.ok("conn", "render", "--id", "team-data", "--as", "poddefault", "--k8s-namespace", "user")
	for _, want := range []string{"kind: PodDefault", "- name: AWS_ACCESS_KEY_ID\n    valueFrom:\n      secretKeyRef:\n        key: AWS_ACCESS_KEY_ID\n        name: aws-keys\n"} {
		if !strings.Contains(pd, want) {
			t.Errorf("poddefault lacks %q:\n%s", want, pd)
		}
	}
	if strings.Contains(pd, "kind: Secret") || strings.Contains(pd, "---") || strings.Contains(pd, "envFrom") {
		t.Errorf("poddefault of a reference has more than one PodDefault:\n%s", pd)
	}

	// revealed, a reference connection is its spec: there is no secret
	var got []struct {
		Spec map[string]any `json:"spec"`
	}
	if err := json.Unmarshal([]byte(f.c.ok("conn", "get", "--id", "team-data", "--decrypted", "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d connections", len(got))
	}
	if ref, _ := got[0].Spec["secret"].(map[string]any); ref["name"] != "aws-keys" || got[0].Spec["keyID"] != nil {
		t.Errorf("revealed spec %v", got[0].Spec)
	}
}

// TestUpdateToReferenceDropsStoredSecrets switches a connection that holds
// keys to a Secret reference, sending the masked keys as read: the
// update is accepted and the stored keys are gone.
func TestUpdateToReferenceDropsStoredSecrets(t *testing.T) {
	f := newRunFixture(t)
	status, body := f.s.api("PUT", "/api/v1/connection", map[string]any{"id": "data", "spec": map[string]any{
		"type": "s3", "uri": "s3://data", "region": "eu-central-1", "keyID": "*****", "keySecret": "*****",
		"secret": map[string]any{"name": "aws-keys", "mountPath": "/home/jovyan/.aws"}}})
	if status != 200 {
		t.Fatalf("update: %d %s", status, body)
	}
	out := f.c.ok("conn", "get", "--id", "data", "--decrypted", "-o", "json")
	if strings.Contains(out, "keyID") || strings.Contains(out, b64(f.secret)) || !strings.Contains(out, `"mountPath": "/home/jovyan/.aws"`) {
		t.Errorf("after the update:\n%s", out)
	}
	status, body = f.s.api("PUT", "/api/v1/connection", map[string]any{"id": "data", "spec": map[string]any{
		"type": "s3", "uri": "s3://data", "region": "eu-central-1", "keyID": b64("AKIA"),
		"secret": map[string]any{"name": "aws-keys", "mountPath": "/home/jovyan/.aws"}}})
	if status != 400 || !strings.Contains(string(body), "spec.keyID: must be empty when spec.secret names a Secret") {
		t.Errorf("update with a key and a reference: %d %s", status, body)
	}
}
