package main_test

import (
	"testing"
)

// TestConnEdit updates connections from the masked output of "conn get"
// (secrets kept), with a secret read from stdin, and with a stale version.
func TestConnEdit(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	createOdahuExamples(t, c)

	// The masked YAML of get, edited back unchanged but for the description:
	// the stored secrets are kept.
	v1 := writeFile(t, c.dir, "training-data.v1.yaml", c.ok("conn", "get", "--id", "training-data"))
	if out := c.ok("conn", "edit", "-f", v1); out != "connection \"training-data\" updated\n" {
		t.Fatalf("edit printed %q", out)
	}
	got := c.getOne("training-data", true)
	if got.Spec["keyID"] != awsKeyIDB64 || got.Spec["keySecret"] != awsKeySecretB64 || got.Status.Version != 2 {
		t.Errorf("after edit with masked secrets: keyID %v, keySecret %v, version %d; want the originals, version 2",
			got.Spec["keyID"], got.Spec["keySecret"], got.Status.Version)
	}

	// The masked JSON list of get works as an edit file too.
	dockerJSON := writeFile(t, c.dir, "docker.json", c.ok("conn", "get", "--id", "docker-registry", "-o", "json"))
	c.ok("conn", "edit", "-f", dockerJSON)
	if got := c.getOne("docker-registry", true); got.Spec["password"] != serviceAccountB64 || got.Status.Version != 2 {
		t.Errorf("after edit from JSON: password %v, version %d; want the original, version 2", got.Spec["password"], got.Status.Version)
	}

	// --set-secret password=- reads stdin; one trailing newline is not part
	// of the value.
	docker := writeFile(t, c.dir, "docker.yaml", c.ok("conn", "get", "--id", "docker-registry"))
	r := c.run("n3w pässword\twith spaces\n", "conn", "edit", "-f", docker, "--set-secret", "password=-")
	wantExit(t, r, 0)
	if r.Stdout != "connection \"docker-registry\" updated\n" || r.Stderr != "" {
		t.Errorf("edit --set-secret password=-: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	got = c.getOne("docker-registry", true)
	if want := b64("n3w pässword\twith spaces"); got.Spec["password"] != want {
		t.Errorf("password = %v, want %v (base64 of stdin without its newline)", got.Spec["password"], want)
	}
	if got.Spec["username"] != "_json" || got.Status.Version != 3 {
		t.Errorf("username %v, version %d; want _json, 3", got.Spec["username"], got.Status.Version)
	}

	// The file of version 1 is stale now: conflict, nothing written.
	r = c.run("", "conn", "edit", "-f", v1)
	wantError(t, r, 5, `connection "training-data" was changed since version 1 (it is at version 2)`)
	if got := c.getOne("training-data", false); got.Status.Version != 2 {
		t.Errorf("a stale edit changed the version to %d", got.Status.Version)
	}
	s.stop()
}
