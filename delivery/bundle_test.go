package delivery_test

import (
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/delivery"
)

func TestBundleOneConnection(t *testing.T) {
	b, err := delivery.Bundle(types, []*tether.Connection{s3Conn(t, "training-data", "AKIA1", "SECRET1")}, "/run/t")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"AWS_ACCESS_KEY_ID":                         "AKIA1",
		"TRAINING_DATA_AWS_ACCESS_KEY_ID":           "AKIA1",
		"AWS_SHARED_CREDENTIALS_FILE":               "/run/t/training-data/credentials",
		"TRAINING_DATA_AWS_SHARED_CREDENTIALS_FILE": "/run/t/training-data/credentials",
	} {
		if b.Env[name] != want {
			t.Errorf("%s = %q, want %q", name, b.Env[name], want)
		}
	}
	if _, ok := b.Files["training-data/credentials"]; !ok {
		t.Errorf("files %v", keys(b.Files))
	}
}

// The first connection owns the plain variables; the second's are only
// prefixed, never mixed with the first's.
func TestBundleTwoOfAKind(t *testing.T) {
	first := s3Conn(t, "a", "AKIA-A", "SECRET-A")
	second := s3Conn(t, "b", "AKIA-B", "SECRET-B")
	second.Spec.Parameters = tether.Params{"sessionToken": string(b64("SESSION-B"))}
	b, err := delivery.Bundle(types, []*tether.Connection{first, second}, "/run/t")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIA-A", "AWS_SECRET_ACCESS_KEY": "SECRET-A",
		"A_AWS_ACCESS_KEY_ID": "AKIA-A", "B_AWS_ACCESS_KEY_ID": "AKIA-B", "B_AWS_SESSION_TOKEN": "SESSION-B",
		"AWS_CONFIG_FILE": "/run/t/a/config", "B_AWS_CONFIG_FILE": "/run/t/b/config",
	}
	for name, v := range want {
		if b.Env[name] != v {
			t.Errorf("%s = %q, want %q", name, b.Env[name], v)
		}
	}
	if v, ok := b.Env["AWS_SESSION_TOKEN"]; ok {
		t.Errorf("AWS_SESSION_TOKEN = %q: b's token mixed with a's keys", v)
	}
	if d := cmp.Diff([]string{"a/config", "a/credentials", "b/config", "b/credentials"}, keys(b.Files)); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
}

func TestBundleMergesDockerRegistries(t *testing.T) {
	b, err := delivery.Bundle(types, []*tether.Connection{
		dockerConn(t, "hub", "docker.io/org", "alice", "pw-a"),
		s3Conn(t, "data", "AKIA", "SECRET"),
		dockerConn(t, "local", "127.0.0.1:5000", "bob", "pw-b"),
		dockerConn(t, "hub-other", "docker.io/other", "carol", "pw-c"),
	}, "/run/t")
	if err != nil {
		t.Fatal(err)
	}
	if b.Env["DOCKER_CONFIG"] != "/run/t/docker" || b.Env["LOCAL_DOCKER_CONFIG"] != "/run/t/local" {
		t.Errorf("DOCKER_CONFIG %q, LOCAL_DOCKER_CONFIG %q", b.Env["DOCKER_CONFIG"], b.Env["LOCAL_DOCKER_CONFIG"])
	}
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if err := json.Unmarshal(b.Files["docker/config.json"], &cfg); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for host, a := range cfg.Auths {
		dec, _ := base64.StdEncoding.DecodeString(a.Auth)
		got[host] = string(dec)
	}
	if d := cmp.Diff(map[string]string{"https://index.docker.io/v1/": "alice:pw-a", "127.0.0.1:5000": "bob:pw-b"}, got); d != "" {
		t.Errorf("merged auths (-want +got):\n%s", d)
	}
	if b.Env["AWS_ACCESS_KEY_ID"] != "AKIA" {
		t.Errorf("the s3 connection's plain variables are missing: %q", b.Env["AWS_ACCESS_KEY_ID"])
	}
}

func TestBundleRefusesOneIDTwice(t *testing.T) {
	a, b := s3Conn(t, "data", "A", "SA"), s3Conn(t, "data", "B", "SB")
	b.Namespace = "team-b"
	_, err := delivery.Bundle(types, []*tether.Connection{a, b}, "/run/t")
	if tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(err.Error(), "default/data and team-b/data") {
		t.Fatalf("err = %v", err)
	}
}

// A prefixed name that equals a plain one is refused, not silently
// overwritten. No two of the built-in types' variables clash this way, so
// a type made for the test renders V and A_V: connection "a" prefixes V
// as A_V.
func TestBundleRefusesPrefixCollision(t *testing.T) {
	reg := fakeTypes{"x": {Name: "x", Render: func(*tether.Connection, string) (*tether.Rendering, error) {
		return &tether.Rendering{Env: map[string]string{"V": "1", "A_V": "2"}}, nil
	}}}
	c := &tether.Connection{ID: "a", Spec: tether.ConnectionSpec{Type: "x"}}
	_, err := delivery.Bundle(reg, []*tether.Connection{c}, "/run/t")
	if tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(err.Error(), "A_V") {
		t.Fatalf("err = %v", err)
	}
}

// fakeTypes is a type registry of test types.
type fakeTypes map[string]*tether.ConnectionType

func (f fakeTypes) Type(name string) *tether.ConnectionType { return f[name] }
func (f fakeTypes) Types() []*tether.ConnectionType         { return nil }
func (f fakeTypes) Validate(*tether.Connection) error       { return nil }

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
