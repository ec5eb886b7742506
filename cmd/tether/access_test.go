package main_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNamespacesRolesAndTokens drives namespaces, manifests' namespace
// field, -n, tokens, role bindings, --job, the audit log and usage through
// the CLI.
func TestNamespacesRolesAndTokens(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	admin := newCLI(t, s)
	if out := admin.ok("ns", "create", "team-a"); out != "namespace \"team-a\" created\n" {
		t.Errorf("ns create printed %q", out)
	}
	if out := admin.ok("ns", "get"); !strings.Contains(out, "default") || !strings.Contains(out, "team-a") {
		t.Errorf("ns get:\n%s", out)
	}
	dir := t.TempDir()
	inFile := writeFile(t, dir, "in-team-a.yaml", "namespace: team-a\n"+odahuDockerYAML("registry"))
	plain := writeFile(t, dir, "plain.yaml", odahuDockerYAML("other-registry"))
	admin.ok("conn", "create", "-f", inFile)
	admin.ok("conn", "create", "-f", plain, "-n", "team-a")
	wantError(t, admin.run("", "conn", "create", "-f", inFile, "-n", "default"), 2, "namespace")
	if ids := idsOf(t, admin.ok("conn", "get", "-n", "team-a", "-o", "json")); ids != "other-registry,registry" {
		t.Errorf("team-a holds %q", ids)
	}
	if ids := idsOf(t, admin.ok("conn", "get", "-o", "json")); ids != "" {
		t.Errorf("default holds %q", ids)
	}

	r := admin.run("", "token", "create", "--subject", "user:alice", "--ttl", "1h")
	wantExit(t, r, 0)
	token := strings.TrimSpace(r.Stdout)
	if strings.Count(r.Stdout, "\n") != 1 || !strings.HasPrefix(token, "tether_") {
		t.Fatalf("token create printed %q on stdout", r.Stdout)
	}
	if list := admin.ok("token", "get"); !strings.Contains(list, "user:alice") || strings.Contains(list, token) {
		t.Errorf("token get:\n%s", list)
	}
	alice := newCLI(t, s).with("TETHER_TOKEN_PATH", "").with("TETHER_TOKEN", token)
	wantError(t, alice.run("", "conn", "get", "-n", "team-a"), 4, "not found")
	admin.ok("rolebinding", "create", "--namespace", "team-a", "--role", "user", "--subject", "user:alice")
	if rb := admin.ok("rolebinding", "get", "-n", "team-a"); !strings.Contains(rb, "user:alice") || !strings.Contains(rb, "user") {
		t.Errorf("rolebinding get:\n%s", rb)
	}
	alice.ok("conn", "get", "-n", "team-a", "--id", "registry", "-d", "--job", "nightly-train")
	wantError(t, alice.run("", "conn", "delete", "-n", "team-a", "--id", "registry"), 6, "connections.write")
	wantError(t, alice.run("", "conn", "get", "--id", "registry"), 4, "not found")

	var events []struct{ Subject, Action, Job, Outcome string }
	if err := json.Unmarshal([]byte(admin.ok("audit", "get", "-n", "team-a", "--id", "registry", "-o", "json")), &events); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || (e.Subject == "user:alice" && e.Action == "connection.reveal" && e.Job == "nightly-train" && e.Outcome == "success")
	}
	if !found {
		t.Errorf("no audited reveal by alice for nightly-train in %+v", events)
	}
	if usage := admin.ok("conn", "usage", "-n", "team-a", "--id", "registry"); !strings.Contains(usage, "1 reveals") || !strings.Contains(usage, "nightly-train") {
		t.Errorf("conn usage:\n%s", usage)
	}

	id := tokenID(t, admin.ok("token", "get"), "user:alice")
	admin.ok("token", "revoke", id)
	wantError(t, alice.run("", "conn", "get", "-n", "team-a"), 6)
	wantError(t, admin.run("", "ns", "delete", "team-a"), 5, "--force")
	admin.ok("ns", "delete", "team-a", "--force")
	wantError(t, admin.run("", "conn", "get", "-n", "team-a", "--id", "registry"), 4)
}

// TestInPodDefaults: in a pod (KUBERNETES_SERVICE_HOST set) the CLI talks
// to the in-cluster Service and reads the projected token file.
func TestInPodDefaults(t *testing.T) {
	t.Parallel()
	pod := newCLI(t, nil).with("KUBERNETES_SERVICE_HOST", "10.96.0.1").with("TETHER_TOKEN", "tether_x")
	wantError(t, pod.run("", "conn", "get"), 7, "http://tether.tether.svc.cluster.local")
	s := startServer(t, serverOptions{})
	inPod := newCLI(t, s).with("KUBERNETES_SERVICE_HOST", "10.96.0.1").with("TETHER_TOKEN_PATH", "")
	wantError(t, inPod.run("", "conn", "get"), 6, "/var/run/secrets/tether/token")
}

func odahuDockerYAML(id string) string {
	return "kind: Connection\nid: " + id + "\nspec:\n  type: docker\n  uri: gcr.io/project/odahuflow\n  username: _json\n  password: " + serviceAccountB64 + "\n"
}

// idsOf returns the comma-joined ids of a JSON list of connections.
func idsOf(t *testing.T, out string) string {
	t.Helper()
	var ids []string
	for _, c := range decodeList(t, out) {
		ids = append(ids, c.ID)
	}
	return strings.Join(ids, ",")
}

// tokenID returns the id of subject's token in "token get" output.
func tokenID(t *testing.T, table, subject string) string {
	t.Helper()
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == subject {
			return f[0]
		}
	}
	t.Fatalf("no token of %s in:\n%s", subject, table)
	return ""
}
