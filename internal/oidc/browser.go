package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tether-ml/tether"
)

// callbackPath is where the issuer sends the browser back to.
const callbackPath = "/callback"

// BrowserLogin runs the authorization code grant with PKCE (RFC 7636) and
// a loopback redirect (RFC 8252): it listens on 127.0.0.1:port (0: any free
// port), hands the authorization URL to prompt, which shows it to the user
// (and may open a browser), and waits until the issuer redirects the
// browser back with a code, which it exchanges for the tokens. The issuer
// must accept http://127.0.0.1:PORT/callback as a redirect URI of the
// client; Dex does for any port for public clients.
func (c *Client) BrowserLogin(ctx context.Context, port int, prompt func(authURL string)) (*Token, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: "oidc.BrowserLogin",
			Message: fmt.Sprintf("cannot listen on 127.0.0.1:%d for the login redirect", port), Err: err}
	}
	ctx = c.httpContext(ctx)
	cb := &callback{
		client: c, ctx: ctx, state: randomString(), nonce: randomString(),
		verifier: oauth2.GenerateVerifier(), done: make(chan struct{}),
	}
	cb.oauth = c.oauth
	cb.oauth.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, callbackPath)
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // lets the last page reach the browser
	}()
	prompt(cb.oauth.AuthCodeURL(cb.state, oauth2.S256ChallengeOption(cb.verifier), gooidc.Nonce(cb.nonce)))
	select {
	case <-ctx.Done():
		return nil, exchangeError("browser login", ctx.Err())
	case <-cb.done:
		return cb.tok, cb.err
	}
}

// callback receives the browser's return from the issuer. Requests that do
// not carry this login's state (another tab, another program probing the
// port) are turned away and the login goes on waiting.
type callback struct {
	client       *Client
	ctx          context.Context
	oauth        oauth2.Config
	state, nonce string
	verifier     string
	once         sync.Once
	done         chan struct{}
	tok          *Token
	err          error
}

func (cb *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.URL.Path != callbackPath || q.Get("state") != cb.state {
		http.Error(w, "not a response to this login", http.StatusBadRequest)
		return
	}
	select {
	case <-cb.done:
		http.Error(w, "this login is already over", http.StatusConflict)
		return
	default:
	}
	var tok *Token
	var err error
	if code := q.Get("error"); code != "" {
		err = tether.Errorf(tether.EUNAUTHORIZED, "the OIDC issuer refused the login (%s)", code)
	} else {
		tok, err = cb.exchange(q.Get("code"))
	}
	page(w, err)
	cb.once.Do(func() {
		cb.tok, cb.err = tok, err
		close(cb.done)
	})
}

// exchange trades the authorization code for the tokens.
func (cb *callback) exchange(code string) (*Token, error) {
	tok, err := cb.oauth.Exchange(cb.ctx, code, oauth2.VerifierOption(cb.verifier))
	if err != nil {
		return nil, exchangeError("browser login", err)
	}
	return cb.client.token(cb.ctx, tok, cb.nonce)
}

// page tells the user in the browser how the login ended.
func page(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	msg := "Logged in. You can close this window and return to the terminal."
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		msg = "Login failed: " + tether.ErrorMessage(err) + ". See the terminal."
	}
	fmt.Fprintf(w, "<!doctype html><title>tether login</title><p>%s</p>\n", html.EscapeString(msg))
}

// randomString is 256 random bits, URL-safe: a state or a nonce.
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
