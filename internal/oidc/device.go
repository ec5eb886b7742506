package oidc

import (
	"context"
	"time"

	"github.com/tether-ml/tether"
)

// DevicePrompt is what the user must do to approve a device login: open
// the verification page, on any machine, and enter the code. Neither is a
// secret: the code is useless without the user's own login at the issuer.
type DevicePrompt struct {
	VerificationURI string
	// VerificationURIComplete, if the issuer gives one, carries the code
	// already.
	VerificationURIComplete string
	UserCode                string
	// Expires is when the code stops being accepted.
	Expires time.Time
}

// DeviceLogin runs the device authorization grant (RFC 8628): it asks the
// issuer for a user code, hands it to prompt, and waits until the user has
// approved the login (or the code expires, or ctx ends).
func (c *Client) DeviceLogin(ctx context.Context, prompt func(DevicePrompt)) (*Token, error) {
	if !c.hasDevice {
		return nil, tether.Errorf(tether.EINVALID, "the OIDC issuer %s does not offer the device login flow", c.cfg.IssuerURL)
	}
	ctx = c.httpContext(ctx)
	da, err := c.oauth.DeviceAuth(ctx)
	if err != nil {
		return nil, exchangeError("device login", err)
	}
	prompt(DevicePrompt{
		VerificationURI:         da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete,
		UserCode:                da.UserCode,
		Expires:                 da.Expiry,
	})
	tok, err := c.oauth.DeviceAccessToken(ctx, da)
	if err != nil {
		return nil, exchangeError("device login", err)
	}
	return c.token(ctx, tok, "")
}
