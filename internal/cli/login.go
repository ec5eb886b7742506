package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/oidc"
)

// Login flows, as --grant-type.
const (
	grantAuto     = "auto"
	grantDevice   = "device-code"
	grantAuthCode = "authcode"
)

// browserLoginTimeout bounds the wait for the browser to come back; the
// device flow is bounded by the expiry of its code.
const browserLoginTimeout = 10 * time.Minute

const loginLong = `Log in to a server and save the login, so that the other commands authenticate
with it when no --token, TETHER_TOKEN or TETHER_TOKEN_PATH is given.

--token-stdin reads a token (an admin token, one from tether token create)
from standard input, never from the command line, checks it with an
authenticated call to the server (--url, else TETHER_URL, else the context's
server) and saves it, only if the server accepts it, in a context of the
client configuration file (see tether config): --context NAME, by default
named after the server's host. That context becomes the current one.

--oidc logs in as a person through the platform's OpenID Connect issuer (Dex,
Keycloak, Okta, ...). --issuer and --client-id must be those the server
trusts (its --oidc-issuer-url and --oidc-client-id); after a first login they
default to the saved ones. The login uses the device flow when the issuer
offers it: open the printed page on any machine and enter the printed code.
Otherwise it uses the browser flow: open the printed URL on this machine; the
issuer sends the browser back to a listener on 127.0.0.1. A browser is opened
for you when one can be, unless --no-browser.

With --url or --context, the OIDC login is saved for that context (in
tether/logins/NAME.json) and the context becomes the current one. Without
them, it is saved in tether/credentials.json and used when no context gives a
credential. Both are under $XDG_CONFIG_HOME (~/.config on Linux), readable by
the user only; the ID token is renewed with the refresh token when it
expires.`

// loginOptions are the flags of "tether login".
type loginOptions struct {
	oidc         bool
	tokenStdin   bool
	issuer       string
	clientID     string
	secretFile   string
	scopes       []string
	noBrowser    bool
	grantType    string
	callbackPort int
}

func (a *app) loginCommand() *cobra.Command {
	var o loginOptions
	cmd := &cobra.Command{
		Use:   "login (--token-stdin | --oidc [--issuer URL --client-id ID]) [--url URL] [--context NAME]",
		Short: "Log in with a token or through an OpenID Connect issuer and save the login",
		Long:  loginLong,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.runLogin(cmd.Context(), &o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.oidc, "oidc", false, "log in through an OpenID Connect issuer")
	f.BoolVar(&o.tokenStdin, "token-stdin", false, "read a token from standard input, check it with the server (--url) and save it in a context")
	f.StringVar(&o.issuer, "issuer", "", "issuer URL, exactly as the server's --oidc-issuer-url")
	f.StringVar(&o.clientID, "client-id", "", "OAuth client to log in as, the server's --oidc-client-id")
	f.StringVar(&o.secretFile, "client-secret-file", "", "file holding the client's secret, for a confidential client")
	f.StringSliceVar(&o.scopes, "scopes", nil, "scopes besides openid (default: those of email, profile, groups, offline_access the issuer supports)")
	f.BoolVar(&o.noBrowser, "no-browser", false, "print the login URL only; never open a browser")
	f.StringVar(&o.grantType, "grant-type", grantAuto, "login flow: auto, device-code or authcode (browser, PKCE)")
	f.IntVar(&o.callbackPort, "callback-port", 0, "port of the 127.0.0.1 listener of the authcode flow (default: any free port)")
	return cmd
}

// runLogin logs in the way the flags say and saves the login.
func (a *app) runLogin(ctx context.Context, o *loginOptions) error {
	switch {
	case o.oidc && o.tokenStdin:
		return usagef("--oidc and --token-stdin are two ways to log in: give one")
	case o.tokenStdin:
		return a.runTokenLogin(ctx)
	case !o.oidc:
		return usagef("tether login needs --token-stdin or --oidc")
	case a.flagChanged("url") || a.contextFlag != "":
		return a.runContextOIDCLogin(ctx, o)
	}
	path, err := credentialsPath(a.env.Getenv)
	if err != nil {
		return err
	}
	return a.oidcLogin(ctx, o, path)
}

// oidcLogin logs in through the issuer and saves the login in the file at
// path; the issuer and client left out are those saved there, else in
// the files of defaults.
func (a *app) oidcLogin(ctx context.Context, o *loginOptions, path string, defaults ...string) error {
	if err := o.fill(append([]string{path}, defaults...)...); err != nil {
		return err
	}
	secret, err := readClientSecret(o.secretFile)
	if err != nil {
		return err
	}
	client, err := oidc.NewClient(ctx, oidc.ClientConfig{
		IssuerURL: o.issuer, ClientID: o.clientID, ClientSecret: secret, Scopes: o.scopes})
	if err != nil {
		return err
	}
	tok, err := a.obtainToken(ctx, client, o)
	if err != nil {
		return err
	}
	err = saveCredentials(path, &credentials{Issuer: o.issuer, ClientID: o.clientID, ClientSecretFile: o.secretFile,
		IDToken: tok.IDToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "Logged in as %s; login saved in %s\n", firstNonEmpty(tok.Email, tok.Name, "(unnamed user)"), path)
	return nil
}

// fill checks the options, taking the issuer and client left out from the
// first of the saved logins at paths there is.
func (o *loginOptions) fill(paths ...string) error {
	switch o.grantType {
	case grantAuto, grantDevice, grantAuthCode:
	default:
		return usagef("--grant-type must be %s, %s or %s, not %q", grantAuto, grantDevice, grantAuthCode, o.grantType)
	}
	if o.callbackPort < 0 || o.callbackPort > 65535 {
		return usagef("--callback-port must be a port number, not %d", o.callbackPort)
	}
	for _, path := range paths {
		if o.issuer != "" && o.clientID != "" {
			break
		}
		if saved, err := loadCredentials(path); err == nil {
			o.issuer = firstNonEmpty(o.issuer, saved.Issuer)
			o.clientID = firstNonEmpty(o.clientID, saved.ClientID)
			o.secretFile = firstNonEmpty(o.secretFile, saved.ClientSecretFile)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if o.issuer == "" || o.clientID == "" {
		return usagef("tether login --oidc needs --issuer and --client-id (no earlier login to take them from)")
	}
	return nil
}

// obtainToken runs the login flow the options and the issuer call for.
func (a *app) obtainToken(ctx context.Context, client *oidc.Client, o *loginOptions) (*oidc.Token, error) {
	useDevice := o.grantType == grantDevice || (o.grantType == grantAuto && client.SupportsDevice())
	if useDevice {
		return client.DeviceLogin(ctx, func(p oidc.DevicePrompt) {
			fmt.Fprintf(a.env.Stderr, "To log in, open %s in a browser, on any machine, and enter the code %s\n",
				p.VerificationURI, p.UserCode)
			open := firstNonEmpty(p.VerificationURIComplete, p.VerificationURI)
			if p.VerificationURIComplete != "" {
				fmt.Fprintf(a.env.Stderr, "(or open %s)\n", p.VerificationURIComplete)
			}
			a.offerBrowser(ctx, o, open)
			fmt.Fprintln(a.env.Stderr, "Waiting for the login to be approved...")
		})
	}
	ctx, cancel := context.WithTimeout(ctx, browserLoginTimeout)
	defer cancel()
	tok, err := client.BrowserLogin(ctx, o.callbackPort, func(authURL string) {
		fmt.Fprintf(a.env.Stderr, "To log in, open this URL in a browser on this machine:\n\n    %s\n\n", authURL)
		a.offerBrowser(ctx, o, authURL)
		fmt.Fprintln(a.env.Stderr, "Waiting for the browser to come back...")
	})
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "the login was not completed within %v", browserLoginTimeout)
	}
	return tok, err
}

// offerBrowser opens url in a browser unless --no-browser, saying so.
func (a *app) offerBrowser(ctx context.Context, o *loginOptions, url string) {
	if !o.noBrowser && openBrowser(ctx, a.env.Getenv, url) {
		fmt.Fprintln(a.env.Stderr, "(a browser was opened for you)")
	}
}
