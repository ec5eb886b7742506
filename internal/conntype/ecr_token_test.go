package conntype_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// fakeECR serves ECR's GetAuthorizationToken (the JSON 1.1 protocol) on a
// local port: to a request signed with keyID, in region, it answers a
// token for user:password expiring after lifetime; to any other key,
// UnrecognizedClientException. It checks the key ID and region of the
// signature, not the signature itself.
func fakeECR(t *testing.T, keyID, region, user, password string, lifetime time.Duration) *httptest.Server {
	t.Helper()
	return fakeECRFor(t, keyID, region, user, password, lifetime, "https://123456789012.dkr.ecr."+region+".amazonaws.com")
}

// fakeECRFor serves, as fakeECR does, tokens for the registry at proxyEndpoint.
func fakeECRFor(t *testing.T, keyID, region, user, password string, lifetime time.Duration, proxyEndpoint string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
			return
		}
		if !strings.Contains(r.Header.Get("Authorization"), "Credential="+keyID+"/") ||
			!strings.Contains(r.Header.Get("Authorization"), "/"+region+"/ecr/aws4_request") {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}`)
			return
		}
		token := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
		fmt.Fprintf(w, `{"authorizationData":[{"authorizationToken":%q,"expiresAt":%d,"proxyEndpoint":%q}]}`,
			token, time.Now().Add(lifetime).Unix(), proxyEndpoint)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// ecrConn is a valid ecr connection whose ECR API is at endpoint.
func ecrConn(t *testing.T, endpoint string) *tether.Connection {
	c := validConn(t, "ecr")
	c.Spec.Parameters = tether.Params{"endpoint": endpoint}
	return c
}

// TestECRExchange exchanges the keys of an ecr connection for a registry
// token at a local ECR API, and checks what a delivery carries: the token,
// its expiry, never the keys.
func TestECRExchange(t *testing.T) {
	good := fakeECR(t, "AKIAIOSFODNN7EXAMPLE", "eu-central-1", "AWS", "token-password", 12*time.Hour)
	refusing := fakeECR(t, "AKIAOTHER", "eu-central-1", "AWS", "token-password", 12*time.Hour)
	cases := []struct {
		name string
		conn *tether.Connection
		env  *tether.ProbeEnv
		code string
		msg  string
	}{
		{name: "working", conn: ecrConn(t, good.URL)},
		{name: "refused keys", conn: ecrConn(t, refusing.URL), code: tether.EUNAUTHORIZED,
			msg: "ECR refused the stored keys (UnrecognizedClientException)"},
		{name: "unreachable", conn: ecrConn(t, "http://"+closedPort(t)), code: tether.EUNAVAILABLE, msg: "connection refused"},
		{name: "refused address", conn: ecrConn(t, good.URL), env: refusingProbeEnv(), code: tether.EFORBIDDEN, msg: "is not allowed"},
	}
	reg := conntype.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := reg.Validate(tc.conn); err != nil {
				t.Fatal(err)
			}
			env := plainProbeEnv()
			if tc.env != nil {
				env = *tc.env
			}
			got, err := reg.Type("ecr").Exchange(testContext(t), tc.conn, env)
			if tc.code != "" {
				if tether.ErrorCode(err) != tc.code || !strings.Contains(tether.ErrorMessage(err), tc.msg) {
					t.Fatalf("Exchange: %v (%s), want %s with %q", err, tether.ErrorCode(err), tc.code, tc.msg)
				}
				if strings.Contains(err.Error(), "wJalrXUtnFEMI") || strings.Contains(err.Error(), "Signature=") {
					t.Errorf("the error %q holds a secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if got.Spec.KeyID != "" || got.Spec.KeySecret != "" {
				t.Error("the delivered connection carries the keys")
			}
			if got.Spec.Username != "AWS" || got.Spec.Password.Reveal() != b64("token-password") {
				t.Errorf("delivered login %q / %q, want AWS and the token", got.Spec.Username, got.Spec.Password.Reveal())
			}
			if e := got.Status.Expiry; e == nil || e.What != "ECR token" || time.Until(e.At) < 11*time.Hour {
				t.Errorf("status.expiry %+v, want an ECR token of 12 hours", e)
			}
		})
	}
}

// TestECRRenderRefusesKeys checks that a stored ecr connection, without a
// token, is not rendered: its keys are not what docker uses.
func TestECRRenderRefusesKeys(t *testing.T) {
	c := validConn(t, "ecr")
	c.Spec.Username, c.Spec.Password = "", ""
	_, err := conntype.New().Type("ecr").Render(c, t.TempDir())
	if tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(tether.ErrorMessage(err), "carries no registry token") {
		t.Fatalf("Render: %v, want EINVALID: no registry token", err)
	}
}

// TestECRTokenLogsIn exchanges an ecr connection at a local ECR API that
// hands out the test registry's htpasswd login as its token, renders the
// delivery, and pushes an image with the config.json's login: the
// rendered auth is what a registry takes. The registry is not at the ECR
// host, so the test points the login at it.
func TestECRTokenLogsIn(t *testing.T) {
	var f registryFixtures
	registryService.fixtures(t, &f)
	reg := conntype.New()
	c := ecrConn(t, fakeECR(t, "AKIAIOSFODNN7EXAMPLE", "eu-central-1", f.Username, f.Password, time.Hour).URL)
	if err := reg.Validate(c); err != nil {
		t.Fatal(err)
	}
	got, err := reg.Type("ecr").Exchange(testContext(t), c, plainProbeEnv())
	if err != nil {
		t.Fatal(err)
	}
	r, dir := renderTo(t, got)
	if r.Env["DOCKER_CONFIG"] != dir {
		t.Errorf("DOCKER_CONFIG = %q, want %q", r.Env["DOCKER_CONFIG"], dir)
	}
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if err := json.Unmarshal(r.Files["config.json"], &cfg); err != nil {
		t.Fatal(err)
	}
	const ecrHost = "5555555555.dkr.ecr.eu-central-1.amazonaws.com"
	login, ok := cfg.Auths[ecrHost]
	if !ok || len(cfg.Auths) != 1 {
		t.Fatalf("config.json auths %v, want one for %s", cfg.Auths, ecrHost)
	}
	pointed, _ := json.Marshal(map[string]any{"auths": map[string]any{f.Host: map[string]string{"auth": login.Auth}}})
	if err := os.WriteFile(filepath.Join(dir, "config.json"), pointed, 0o600); err != nil {
		t.Fatal(err)
	}
	isolate(t, "DOCKER_", "REGISTRY_AUTH_FILE", "XDG_")
	t.Setenv("DOCKER_CONFIG", dir)
	opts := []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithContext(testContext(t))}
	if err := remote.Write(testTag(t, f, "ecr"), randomImage(t), opts...); err != nil {
		t.Fatalf("pushing with the rendered ECR login: %v", err)
	}
}
