package conntype

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/tether-ml/tether"
)

// gcsReadScope is the OAuth scope of the gcs connection test: reading a
// bucket's metadata needs no more.
const gcsReadScope = "https://www.googleapis.com/auth/devstorage.read_only"

// gcsDefaultEndpoint is the Cloud Storage JSON API's, when the connection
// names no emulator.
const gcsDefaultEndpoint = "https://storage.googleapis.com"

// probeGCS reads the metadata of the uri's bucket (GET
// /storage/v1/b/{bucket}) with an access token minted from the
// service-account key: a JWT signed with the key's private key, exchanged
// at the key's token_uri. Both requests go through env.HTTP.
func probeGCS(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	const op = "conntype.probeGCS"
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	token, err := gcsToken(ctx, op, secretBytes(c.Spec.KeySecret), env)
	if err != nil {
		return "", err
	}
	endpoint := gcsDefaultEndpoint
	if ep := c.Spec.Parameters["endpoint"]; ep != "" {
		endpoint = strings.TrimSuffix(ep, "/")
	}
	_, rest, _ := strings.Cut(c.Spec.URI, "://")
	bucket, _, _ := strings.Cut(rest, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		endpoint+"/storage/v1/b/"+url.PathEscape(bucket)+"?fields=name", nil)
	if err != nil {
		return "", &tether.Error{Code: tether.EINVALID, Op: op, Message: "parameters.endpoint is not a usable URL"}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return "", unreachable(op, req.URL.Host, err)
	}
	defer resp.Body.Close()
	if err := gcsStatusError(op, bucket, resp); err != nil {
		return "", err
	}
	return "read the metadata of bucket gs://" + bucket, nil
}

// gcsToken mints an access token from the service-account key: a JWT
// signed with its private key, exchanged at its token_uri (Google's, if it
// has none) through env.HTTP.
func gcsToken(ctx context.Context, op string, key []byte, env tether.ProbeEnv) (string, error) {
	cfg, err := google.JWTConfigFromJSON(key, gcsReadScope)
	if err != nil || !privateKeyPEM(cfg.PrivateKey) {
		return "", &tether.Error{Code: tether.EINVALID, Op: op,
			Message: "spec.keySecret is not a service-account key with a usable private_key"}
	}
	host := cfg.TokenURL
	if u, err := url.Parse(cfg.TokenURL); err == nil {
		host = u.Host
	}
	rec := &tokenClient{}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, rec.client(ctx, env.HTTP))
	tok, err := cfg.TokenSource(ctx).Token()
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		return "", gcsTokenRefused(op, host, re)
	case err != nil && rec.err() != nil:
		return "", unreachable(op, host, rec.err())
	case err != nil || tok.AccessToken == "":
		return "", &tether.Error{Code: tether.EUNAVAILABLE, Op: op,
			Message: "the token endpoint at " + host + " gave no usable token"}
	}
	return tok.AccessToken, nil
}

// privateKeyPEM reports whether b is a PEM RSA private key, PKCS#8 or
// PKCS#1, as the JWT signer (RS256) reads it: a key it cannot read is the
// key's fault, not the token endpoint's.
func privateKeyPEM(b []byte) bool {
	block, _ := pem.Decode(b)
	if block == nil {
		return false
	}
	if key, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		_, isRSA := key.(*rsa.PrivateKey)
		return isRSA
	}
	_, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	return err == nil
}

// gcsTokenRefused maps the token endpoint's refusal to a tether.Error:
// EUNAUTHORIZED for a 4xx (an unknown key, a bad signature), with the
// OAuth error code it gave, if safe; EUNAVAILABLE otherwise.
func gcsTokenRefused(op, host string, re *oauth2.RetrieveError) error {
	var body struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(re.Body, &body)
	code := safeCode(body.Error)
	if code == "" {
		code = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	if s := re.Response.StatusCode; s >= 400 && s < 500 {
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "the token endpoint at " + host + " refused the service-account key (" + code + ")"}
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op,
		Message: "the token endpoint at " + host + " answered " + code}
}

// gcsStatusError maps the storage API's answer to nil (200), or to a
// tether.Error naming its status and the reason it gave, if safe.
func gcsStatusError(op, bucket string, resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var body struct {
		Error struct {
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	why := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if e := body.Error.Errors; len(e) > 0 && safeCode(e[0].Reason) != "" {
		why += ", " + e[0].Reason
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "the storage API refused the token for bucket " + bucket + " (" + why + ")"}
	case http.StatusNotFound:
		return &tether.Error{Code: tether.ENOTFOUND, Op: op,
			Message: "bucket " + bucket + " does not exist (" + why + ")"}
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: "the storage API answered " + why}
}

// tokenClient is the HTTP client of the JWT token source, which sends its
// request without a context and keeps only the text of a transport's
// error: its requests carry ctx (a token endpoint that never answers must
// not hold the probe past its deadline), and the first error of its
// transport is kept, for unreachable.
type tokenClient struct {
	mu    sync.Mutex
	first error
}

// client returns a copy of c whose requests carry ctx and whose transport
// records its errors.
func (r *tokenClient) client(ctx context.Context, c *http.Client) *http.Client {
	cp := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(req.WithContext(ctx))
		if err != nil {
			r.mu.Lock()
			if r.first == nil {
				r.first = err
			}
			r.mu.Unlock()
		}
		return resp, err
	})
	return &cp
}

// err returns the first error recorded, or nil.
func (r *tokenClient) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip implements http.RoundTripper.
func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
