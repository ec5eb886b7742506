package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

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
	EnvConnectTimeout   = "TETHER_CONNECT_TIMEOUT"
	EnvResponseTimeout  = "TETHER_RESPONSE_TIMEOUT"
	envKubernetesServer = "KUBERNETES_SERVICE_HOST"
)

// Default timeouts: how long to wait for a connection (and its TLS
// handshake), and for an answer to start once a request is sent. A silent
// address fails within them instead of hanging.
const (
	DefaultConnectTimeout  = 5 * time.Second
	DefaultResponseTimeout = 15 * time.Second
)

// ClientConfig says how to reach a server and which token to send.
type ClientConfig struct {
	URL       string // empty: DefaultURL, or InClusterURL in a pod
	Token     string // a token; wins over TokenPath
	TokenPath string // a file holding the token, re-read on every call
	CAFile    string // PEM certificates to trust, besides the system's
	Insecure  bool   // skip TLS verification (testing only)
	// ConnectTimeout bounds a connection and its TLS handshake;
	// ResponseTimeout the wait for an answer to start. Zero means the
	// default; a negative value, no limit.
	ConnectTimeout, ResponseTimeout time.Duration
	// Fallback supplies the token when neither Token nor TokenPath is set.
	Fallback TokenSource
	// envErr is a malformed variable ConfigFromEnv read, reported by
	// NewClientFromConfig.
	envErr error
}

// ConfigFromEnv reads the configuration from TETHER_URL, TETHER_TOKEN,
// TETHER_TOKEN_PATH, TETHER_CA_FILE, TETHER_CONNECT_TIMEOUT and
// TETHER_RESPONSE_TIMEOUT (durations such as 5s), with the in-pod defaults.
func ConfigFromEnv(getenv func(string) string) ClientConfig {
	cfg := ClientConfig{URL: getenv(EnvURL), Token: getenv(EnvToken), TokenPath: getenv(EnvTokenPath), CAFile: getenv(EnvCAFile)}
	for name, d := range map[string]*time.Duration{EnvConnectTimeout: &cfg.ConnectTimeout, EnvResponseTimeout: &cfg.ResponseTimeout} {
		if v := getenv(name); v != "" {
			var err error
			if *d, err = time.ParseDuration(v); err != nil || *d == 0 {
				cfg.envErr = tether.Errorf(tether.EINVALID, "%s=%q is not a duration such as 10s", name, v)
			}
		}
	}
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
	if cfg.envErr != nil {
		return nil, cfg.envErr
	}
	hc, err := httpClient(cfg)
	if err != nil {
		return nil, err
	}
	url := cfg.URL
	if url == "" {
		url = DefaultURL
	}
	c, err := NewClient(url, tokenSource(cfg), hc)
	if err != nil {
		return nil, err
	}
	c.responseTimeout = orDefault(cfg.ResponseTimeout, DefaultResponseTimeout)
	return c, nil
}

// orDefault is d, def for zero, and no limit (0) for a negative d.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
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

// httpClient returns the HTTP client for cfg's TLS settings and connect
// timeout.
func httpClient(cfg ClientConfig) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	connect := orDefault(cfg.ConnectTimeout, DefaultConnectTimeout)
	tr.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = connect
	if cfg.CAFile == "" && !cfg.Insecure {
		return &http.Client{Transport: tr}, nil
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
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, nil
}
