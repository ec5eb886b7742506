package http

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/tether-ml/tether"
)

// Client defaults. In a Kubernetes pod (KUBERNETES_SERVICE_HOST is set), as
// the Kubeflow Pipelines SDK does, the server is the in-cluster Service and
// the token is a projected service-account token, re-read on every call so
// that the kubelet's rotation of it is picked up.
const (
	DefaultURL          = "http://127.0.0.1:8080"
	InClusterURL        = "http://tether.tether.svc.cluster.local"
	InClusterTokenPath  = "/var/run/secrets/tether/token"
	EnvURL              = "TETHER_URL"
	EnvToken            = "TETHER_TOKEN"
	EnvTokenPath        = "TETHER_TOKEN_PATH"
	EnvCAFile           = "TETHER_CA_FILE"
	envKubernetesServer = "KUBERNETES_SERVICE_HOST"
)

// ClientConfig says how to reach a server and which token to send.
type ClientConfig struct {
	URL       string // empty: DefaultURL, or InClusterURL in a pod
	Token     string // a token; wins over TokenPath
	TokenPath string // a file holding the token, re-read on every call
	CAFile    string // PEM certificates to trust, besides the system's
	Insecure  bool   // skip TLS verification (testing only)
	// Fallback supplies the token when neither Token nor TokenPath is set.
	Fallback TokenSource
}

// ConfigFromEnv reads the configuration from TETHER_URL, TETHER_TOKEN,
// TETHER_TOKEN_PATH and TETHER_CA_FILE, with the in-pod defaults.
func ConfigFromEnv(getenv func(string) string) ClientConfig {
	cfg := ClientConfig{URL: getenv(EnvURL), Token: getenv(EnvToken), TokenPath: getenv(EnvTokenPath), CAFile: getenv(EnvCAFile)}
	if getenv(envKubernetesServer) != "" {
		if cfg.URL == "" {
			cfg.URL = InClusterURL
		}
		if cfg.TokenPath == "" {
			cfg.TokenPath = InClusterTokenPath
		}
	}
	return cfg
}

// NewClientFromEnv returns a client configured by ConfigFromEnv.
func NewClientFromEnv(getenv func(string) string) (*Client, error) {
	return NewClientFromConfig(ConfigFromEnv(getenv))
}

// NewClientFromConfig returns a client for cfg.
func NewClientFromConfig(cfg ClientConfig) (*Client, error) {
	hc, err := httpClient(cfg)
	if err != nil {
		return nil, err
	}
	url := cfg.URL
	if url == "" {
		url = DefaultURL
	}
	return NewClient(url, tokenSource(cfg), hc)
}

func tokenSource(cfg ClientConfig) TokenSource {
	switch {
	case cfg.Token != "":
		return func() (string, error) { return cfg.Token, nil }
	case cfg.TokenPath != "":
		return func() (string, error) { return ReadTokenFile(cfg.TokenPath) }
	case cfg.Fallback != nil:
		return cfg.Fallback
	}
	return func() (string, error) {
		return "", tether.Errorf(tether.EUNAUTHORIZED, "no token: set TETHER_TOKEN or TETHER_TOKEN_PATH")
	}
}

// ReadTokenFile reads a token file; a missing, unreadable or empty file is
// an authentication error naming the file.
func ReadTokenFile(path string) (string, error) {
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", tether.Errorf(tether.EUNAUTHORIZED, "token file %s does not exist", path)
	case err != nil:
		return "", tether.Errorf(tether.EUNAUTHORIZED, "cannot read token file %s", path)
	}
	t := strings.TrimSpace(string(raw))
	if t == "" {
		return "", tether.Errorf(tether.EUNAUTHORIZED, "token file %s is empty", path)
	}
	return t, nil
}

// httpClient returns the HTTP client for cfg's TLS settings.
func httpClient(cfg ClientConfig) (*http.Client, error) {
	if cfg.CAFile == "" && !cfg.Insecure {
		return &http.Client{}, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // the user asked for it
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "cannot read CA file %s", cfg.CAFile)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, tether.Errorf(tether.EINVALID, "CA file %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, nil
}
