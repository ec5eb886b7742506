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

const loginLong = `Log in as a person through the platform's OpenID Connect issuer (Dex,
Keycloak, Okta, ...) and save the login, so that the other commands
authenticate with it when no --token, TETHER_TOKEN or TETHER_TOKEN_PATH is
given.

--issuer and --client-id must be those the server trusts (its
--oidc-issuer-url and --oidc-client-id); after a first login they default to
the saved ones. The login uses the device flow when the issuer offers it:
open the printed page on any machine and enter the printed code. Otherwise
it uses the browser flow: open the printed URL on this machine; the issuer
sends the browser back to a listener on 127.0.0.1. A browser is opened for
you when one can be, unless --no-browser.

The ID token and the refresh token are saved in the user's configuration
directory (tether/credentials.json under $XDG_CONFIG_HOME or ~/.config on
Linux), readable by the user only; the ID token is renewed with the refresh
token when it expires.`

// loginOptions are the flags of "tether login".
type loginOptions struct {
	oidc         bool
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
		Use:   "login --oidc --issuer URL --client-id ID",
		Short: "Log in through an OpenID Connect issuer and save the login",
		Long:  loginLong,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.runLogin(cmd.Context(), &o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.oidc, "oidc", false, "log in through an OpenID Connect issuer (the only kind of login)")
	f.StringVar(&o.issuer, "issuer", "", "issuer URL, exactly as the server's --oidc-issuer-url")
	f.StringVar(&o.clientID, "client-id", "", "OAuth client to log in as, the server's --oidc-client-id")
	f.StringVar(&o.secretFile, "client-secret-file", "", "file holding the client's secret, for a confidential client")
	f.StringSliceVar(&o.scopes, "scopes", nil, "scopes besides openid (default: those of email, profile, groups, offline_access the issuer supports)")
	f.BoolVar(&o.noBrowser, "no-browser", false, "print the login URL only; never open a browser")
	f.StringVar(&o.grantType, "grant-type", grantAuto, "login flow: auto, device-code or authcode (browser, PKCE)")
	f.IntVar(&o.callbackPort, "callback-port", 0, "port of the 127.0.0.1 listener of the authcode flow (default: any free port)")
	return cmd
}

// runLogin logs in and saves the login.
func (a *app) runLogin(ctx context.Context, o *loginOptions) error {
	if !o.oidc {
		return usagef("tether login needs --oidc (the only kind of login)")
	}
	path, err := credentialsPath(a.env.Getenv)
	if err != nil {
		return err
	}
	if err := o.fill(path); err != nil {
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
// saved login, if any.
func (o *loginOptions) fill(path string) error {
	switch o.grantType {
	case grantAuto, grantDevice, grantAuthCode:
	default:
		return usagef("--grant-type must be %s, %s or %s, not %q", grantAuto, grantDevice, grantAuthCode, o.grantType)
	}
	if o.callbackPort < 0 || o.callbackPort > 65535 {
		return usagef("--callback-port must be a port number, not %d", o.callbackPort)
	}
	if o.issuer == "" || o.clientID == "" {
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
